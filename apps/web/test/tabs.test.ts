// Several tabs of one browser share one device and one connection: the first tab leads (holds
// the device's Web Lock, runs the SDK client and its WebSocket), a second tab follows it over a
// BroadcastChannel — it sends through the leader and shows what arrives — and takes over when
// the first tab closes. Erasing the browser's copy from either tab makes every tab let go.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { chromiumAvailable, launchChromium, openDevice, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { conversationItem, message, openConversation, register, send, startConversation, waitOnline } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('two tabs of one browser', () => {
  let server: RunningServer
  let browser: Browser
  const devices: Device[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
  }, 180_000)

  afterEach(() => {
    const errors = [...devices.flatMap((d) => d.errors.splice(0)), ...pageErrors.splice(0)]
    expect(errors, 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** WebSockets each page opened to the server. */
  const sockets = new Map<Page, number>()
  const watch = (page: Page, name: string) => {
    sockets.set(page, 0)
    page.on('websocket', () => sockets.set(page, (sockets.get(page) ?? 0) + 1))
    page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(`${name}: ${m.text()}`)))
    page.on('pageerror', (e) => pageErrors.push(`${name}: uncaught ${e.message}`))
  }

  it('a second tab sends through the first, both show the reply, and the second keeps working once the first closes', async () => {
    const [alice, bob] = await Promise.all([openDevice(browser, server.url, 'alice'), openDevice(browser, server.url, 'bob')])
    devices.push(alice, bob)
    watch(alice.page, 'alice tab 1')
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const direct = await startConversation(alice.page, 'bob')
    await send(alice.page, 'from the first tab')
    await conversationItem(bob.page, 'alice,bob').click()
    await message(bob.page, 'from the first tab').waitFor({ timeout: T })

    // A second tab of alice's browser: it follows (no socket of its own, the lock queued), signed in as alice.
    const second = await alice.context.newPage()
    watch(second, 'alice tab 2')
    await second.goto(`${server.url}/#/c/${encodeURIComponent(direct)}`)
    await second.getByTestId('me').filter({ hasText: 'alice' }).waitFor({ timeout: T })
    await waitOnline(second)
    await message(second, 'from the first tab').waitFor({ timeout: T })
    expect(await second.evaluate(async () => {
      const q = await navigator.locks.query()
      return { held: q.held?.filter((l) => l.name === 'candor-device').length, pending: q.pending?.filter((l) => l.name === 'candor-device').length }
    })).toEqual({ held: 1, pending: 1 })

    await send(second, 'from the second tab')
    await message(bob.page, 'from the second tab').waitFor({ timeout: T })
    // The first tab shows it too (its client sent it), as alice's own.
    await message(alice.page, 'from the second tab').and(alice.page.locator('[data-direction="out"]')).waitFor({ timeout: T })
    await send(alice.page, 'from the first tab again')
    await message(second, 'from the first tab again').and(second.locator('[data-direction="out"]')).waitFor({ timeout: T })

    await send(bob.page, 'reply to both tabs')
    await message(alice.page, 'reply to both tabs').waitFor({ timeout: T })
    await message(second, 'reply to both tabs').waitFor({ timeout: T })
    expect(sockets.get(second), 'the second tab opened no connection of its own').toBe(0)
    expect(sockets.get(alice.page)).toBeGreaterThanOrEqual(1)

    // The first tab closes: the second takes the lock, opens the device and connects itself.
    await alice.page.close()
    devices.splice(devices.indexOf(alice), 1)
    await second.getByTestId('me').filter({ hasText: 'alice' }).waitFor({ timeout: T })
    await expect.poll(() => sockets.get(second), { timeout: T }).toBeGreaterThanOrEqual(1)
    await waitOnline(second)
    await openConversation(second, direct)
    await message(second, 'reply to both tabs').waitFor({ timeout: T })
    await send(second, 'the second tab alone')
    await message(bob.page, 'the second tab alone').waitFor({ timeout: T })
    await send(bob.page, 'reply to the second tab')
    await message(second, 'reply to the second tab').waitFor({ timeout: T })
    expect(await second.evaluate(async () => (await navigator.locks.query()).held?.filter((l) => l.name === 'candor-device').length)).toBe(1)
  }, 240_000)

  it('a second tab opened before signing in waits, then follows once the first tab is signed in', async () => {
    const cy = await openDevice(browser, server.url, 'cy')
    devices.push(cy)
    const second = await cy.context.newPage()
    watch(second, 'cy tab 2')
    await second.goto(server.url)
    await second.getByText('Candor is open in another tab of this browser').waitFor({ timeout: T })
    await register(cy.page, 'cy')
    await second.getByTestId('me').filter({ hasText: 'cy' }).waitFor({ timeout: T })
    await waitOnline(second)
    expect(sockets.get(second)).toBe(0)
  }, 240_000)

  it('a following tab sends a file (handed to the leader unread) and erases the browser: every tab lets go of the database and comes back with no account', async () => {
    const [dee, eli] = await Promise.all([openDevice(browser, server.url, 'dee'), openDevice(browser, server.url, 'eli')])
    devices.push(dee, eli)
    watch(dee.page, 'dee tab 1')
    await Promise.all([register(dee.page, 'dee'), register(eli.page, 'eli')])
    await waitOnline(dee.page)
    const conv = await startConversation(dee.page, 'eli')
    const second = await dee.context.newPage()
    watch(second, 'dee tab 2')
    await second.goto(`${server.url}/#/c/${encodeURIComponent(conv)}`)
    await second.getByTestId('me').filter({ hasText: 'dee' }).waitFor({ timeout: T })
    expect(sockets.get(second), 'it follows').toBe(0)

    // The file goes to the leading tab as the browser's File (src/tabs/tab-messages.ts blobStream), which uploads it.
    const [chooser] = await Promise.all([second.waitForEvent('filechooser', { timeout: T }), second.getByRole('button', { name: 'Attach a file' }).click()])
    await chooser.setFiles({ name: 'from the second tab.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2 * 1024 * 1024 + 5, 7) })
    await second.getByTestId('message').filter({ has: second.getByTestId('attachment') }).and(second.locator('[data-delivery="sent"]')).waitFor({ timeout: T })
    await eli.page.locator('.conversation-last', { hasText: 'File: from the second tab.bin' }).waitFor({ timeout: T })
    second.on('dialog', (d) => void d.accept())
    await second.getByRole('link', { name: /^Settings/ }).click()
    await second.getByRole('button', { name: 'Erase this browser’s copy' }).click()
    // Both tabs reload onto the emptied database: one offers sign-in, the other follows it; no account is left.
    const signIn = (p: Page) => p.getByRole('tab', { name: 'I lost my devices' })
    const follows = (p: Page) => p.getByText('Candor is open in another tab of this browser')
    for (const p of [dee.page, second]) await signIn(p).or(follows(p)).waitFor({ timeout: T })
    expect((await signIn(dee.page).count()) + (await signIn(second).count())).toBe(1)
    for (const p of [dee.page, second]) expect(await p.getByTestId('me').count()).toBe(0)
  }, 240_000)
})
