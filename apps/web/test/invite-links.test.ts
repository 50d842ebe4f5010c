// Invite links in the web client (docs/protocol.md §5.8), real server and Chromium: Ann makes a
// link in Settings, Ben opens it, accepts, and lands in a conversation with her; the link used
// up, Cat is told why; Ann revokes another. Settings and the invite screen pass axe-core's WCAG
// 2.1 AA rules.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, launchChromium, openDevice, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { message, register, send } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('invite links in the web client (Chromium)', () => {
  let server: RunningServer
  let browser: Browser
  const devices: Device[] = []

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
  }, 180_000)

  afterEach(() => {
    const errors = devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('ann makes a link; ben accepts it and they talk; cat is refused once it is used up; a revoked link shows as revoked', async () => {
    const [ann, ben, cat] = await Promise.all(['ann', 'ben', 'cat'].map((n) => openDevice(browser, server.url, n)))
    devices.push(ann!, ben!, cat!)
    await Promise.all([register(ann!.page, 'ann'), register(ben!.page, 'ben'), register(cat!.page, 'cat')])

    await ann!.page.getByRole('link', { name: /^Settings/ }).click()
    await ann!.page.getByRole('button', { name: 'Create invite link' }).click()
    const link = await ann!.page.getByTestId('invite-link').inputValue()
    expect(link).toMatch(/#\/invite\/[A-Za-z0-9_-]{43}$/)
    await ann!.page.getByTestId('invite-item').filter({ hasText: '0/1 used' }).waitFor({ timeout: T })
    expect(await axeViolations(ann!.page, 'settings with invite links')).toEqual([])

    await ben!.page.goto(link)
    await ben!.page.getByRole('heading', { name: 'You have an invite' }).waitFor({ timeout: T })
    expect(await axeViolations(ben!.page, 'invite')).toEqual([])
    await ben!.page.getByRole('button', { name: 'Accept invite' }).click()
    await ben!.page.waitForURL(/#\/c\/[^/]+$/, { timeout: T })
    await send(ben!.page, 'hello through your link')
    await ann!.page.locator('.conversation-last', { hasText: 'hello through your link' }).waitFor({ timeout: T })

    // Used up: cat is told why, and nothing else happens.
    cat!.allow.push(/status of 410/) // the browser logs the server's refusal
    await cat!.page.goto(link)
    await cat!.page.getByRole('button', { name: 'Accept invite' }).click()
    await cat!.page.getByTestId('invite-error').filter({ hasText: 'used as often as its creator allowed' }).waitFor({ timeout: T })
    expect(await message(cat!.page, 'hello through your link').count()).toBe(0)

    // Another link, revoked.
    await ann!.page.getByRole('button', { name: 'Create invite link' }).click()
    await ann!.page.getByTestId('invite-item').filter({ hasText: '0/1 used' }).waitFor({ timeout: T })
    await ann!.page.getByTestId('invite-item').filter({ hasText: '0/1 used' }).getByRole('button', { name: /^Revoke/ }).click()
    await ann!.page.getByTestId('invite-item').filter({ hasText: 'revoked' }).waitFor({ timeout: T })
  }, 240_000)
})
