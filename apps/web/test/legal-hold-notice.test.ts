// "A legal hold applies to this conversation" in the web client (issue 17, docs/protocol.md §11.9),
// end to end: real server, real Chromium. A compliance officer of the `default` organisation (an
// SDK client) places a hold on one of two conversations the browser user is in, while she has it
// open; the notice — case and until when — appears there without a reload (the server's notice
// `legal_holds_changed`, docs/protocol.md §6), and under "Who can read this?", not in the other
// conversation; a second tab (which calls through the leading tab) sees it too; when the hold is
// released the notice goes, again without a reload, and opening the conversation again shows none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { conversationItem, openConversation, register, waitOnline } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000

describe.skipIf(!chromiumAvailable())('the legal hold notice in Chromium', () => {
  const w = webWorld()
  let wendy: Device
  const sdk: CandorClient[] = []
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  const person = async (userId: string) => {
    const c = await CandorClient.register(options(), userId, `${userId}-device`)
    sdk.push(c)
    await c.connect()
    return c
  }
  /** Opens a conversation and waits until this page has read its legal holds from the server. */
  const openAndCheck = async (page: Page, id: string) => {
    const read = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/legal-holds' && r.ok(), { timeout: T })
    await openConversation(page, id)
    await read
  }
  const notices = (page: Page) => page.getByTestId('legal-hold-notice')
  /** Marks the page's document: the mark is still there only if the page was not reloaded or navigated away since. */
  const mark = (page: Page, m: string) => page.evaluate((v) => void ((window as unknown as Record<string, string>).__legalHoldMark = v), m)
  const marked = (page: Page) => page.evaluate(() => (window as unknown as Record<string, string | undefined>).__legalHoldMark ?? null)

  let oscar: CandorClient
  let held = ''
  let free = ''
  let holdId = ''
  const until = Date.now() + 30 * 86_400_000

  beforeAll(async () => {
    wendy = await openDevice(w.browser, w.server.url, 'wendy')
    w.devices.push(wendy)
    await register(wendy.page, 'wendy')
    const root = await person('root')
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    const olive = await person('olive')
    await person('pat')
    oscar = await person('oscar')
    await root.admin.grant('oscar', 'compliance_officer', 'default')
    held = await olive.createConversation(['wendy'])
    free = await olive.createConversation(['wendy', 'pat'])
    await conversationItem(wendy.page, 'olive,wendy').waitFor({ timeout: T })
    await conversationItem(wendy.page, 'olive,pat,wendy').waitFor({ timeout: T })
  }, 120_000)

  afterAll(async () => {
    for (const c of sdk) c.close()
  })

  it('a hold on one conversation: the notice appears while it is open, without a reload, with the case and until when, there and under “Who can read this?”; not in the other', async () => {
    const page = wendy.page
    await openAndCheck(page, held)
    expect(await notices(page).count()).toBe(0)
    await mark(page, 'before the hold')
    let reads = 0
    const counting = (r: { url(): string }) => void (new URL(r.url()).pathname === '/v1/legal-holds' && reads++)
    page.on('response', counting)

    const h = await oscar.compliance.placeHold('default', `conversation:${held}`, { case: 'LH-WEB-1', until })
    holdId = h.id
    const notice = notices(page)
    await notice.waitFor({ timeout: 2 * T })
    page.off('response', counting)
    // Read again because the server said so, on the same page: no reload, no reopening.
    expect(await marked(page)).toBe('before the hold')
    expect(reads).toBeGreaterThanOrEqual(1)
    expect(await notice.getByTestId('legal-hold').count()).toBe(1)
    const line = notice.getByTestId('legal-hold')
    expect(await line.getAttribute('data-case')).toBe('LH-WEB-1')
    expect(await line.getAttribute('data-until')).toBe(String(until))
    expect(await line.textContent()).toMatch(/^A legal hold applies to this conversation: case LH-WEB-1, until .+\.$/)
    expect(await line.locator('time').getAttribute('datetime')).toBe(new Date(until).toISOString())
    await screenshot(page, 'legal-hold-conversation')
    const violations = await axeViolations(page, 'conversation under a legal hold')

    await page.getByTestId('who-can-read').click()
    await page.locator('#info-title').waitFor({ timeout: T })
    await notices(page).getByTestId('legal-hold').filter({ hasText: 'case LH-WEB-1' }).waitFor({ timeout: T })
    await screenshot(page, 'legal-hold-who-can-read')
    violations.push(...(await axeViolations(page, '“Who can read this?” under a legal hold')))
    expect(violations).toEqual([])

    // The other conversation: the holds were read again for it, and none applies.
    await openAndCheck(page, free)
    await page.waitForTimeout(300)
    expect(await notices(page).count()).toBe(0)
  })

  it('a following tab reads the holds through the leading tab', async () => {
    const second = await wendy.context.newPage()
    second.on('console', (m) => void (m.type() === 'error' && wendy.errors.push(`wendy tab 2: ${m.text()}`)))
    second.on('pageerror', (e) => wendy.errors.push(`wendy tab 2: uncaught ${e.message}`))
    try {
      let sockets = 0
      second.on('websocket', () => sockets++)
      await second.goto(`${w.server.url}/#/c/${encodeURIComponent(held)}`)
      await second.getByTestId('me').filter({ hasText: 'wendy' }).waitFor({ timeout: T })
      await waitOnline(second)
      await notices(second).getByTestId('legal-hold').filter({ hasText: 'case LH-WEB-1' }).waitFor({ timeout: T })
      expect(sockets, 'the second tab follows: no connection of its own').toBe(0)
    } finally {
      await second.close()
    }
  })

  it('released: the notice goes while the conversation is open, without a reload; opening it again shows none', async () => {
    await openAndCheck(wendy.page, held)
    await notices(wendy.page).getByTestId('legal-hold').filter({ hasText: 'case LH-WEB-1' }).waitFor({ timeout: T })
    await mark(wendy.page, 'before the release')
    await oscar.compliance.releaseHold('default', holdId)
    await notices(wendy.page).waitFor({ state: 'detached', timeout: 2 * T })
    expect(await marked(wendy.page)).toBe('before the release')

    await openAndCheck(wendy.page, free)
    await openAndCheck(wendy.page, held)
    await wendy.page.waitForTimeout(300)
    expect(await notices(wendy.page).count()).toBe(0)
  })
})
