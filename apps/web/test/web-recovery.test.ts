// Recovery in the browser (docs/protocol.md §4.2): a person sets up recovery in Settings and
// backs up, their browser's storage is wiped, and "I lost my devices" gets them back in with the
// secret — history included and marked transferred, the new device proven in the key directory,
// the old one revoked, and the old conversation going on both ways. Then a second browser is
// approved with the history.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { message, register, requestEnrolment, send, startConversation, waitOnline } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('recovery in Chromium', () => {
  let server: RunningServer
  let browser: Browser
  const devices: Device[] = []
  let bob: CandorClient

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
    bob = await CandorClient.register({ server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, 'bob')
    await bob.connect()
  }, 180_000)
  afterEach(() => {
    const errors = devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })
  afterAll(async () => {
    bob?.close()
    await browser?.close()
    await server?.close()
  })

  it('wipes the browser and gets back in with the recovery secret, history included; the old conversation goes on both ways', async () => {
    const first = await openDevice(browser, server.url, 'alice-first')
    devices.push(first)
    await register(first.page, 'alice')
    await startConversation(first.page, 'bob')
    await send(first.page, 'written before the wipe')
    const oldDevice = (await bob.verifiedDevices('alice'))[0]!.deviceId

    await first.page.getByRole('link', { name: /^Settings/ }).click()
    await first.page.getByRole('button', { name: 'Set up recovery' }).click()
    const secret = (await first.page.getByTestId('recovery-secret').textContent({ timeout: T }))!.trim()
    expect(secret).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/)
    await screenshot(first.page, 'recovery-secret')
    await first.page.getByRole('button', { name: 'I wrote it down' }).click()
    await first.page.getByRole('button', { name: 'Back up history now' }).click()
    await first.page.getByTestId('backup-done').waitFor({ timeout: T })

    // Everything this browser kept is gone: a fresh profile.
    await first.context.close()
    devices.splice(devices.indexOf(first), 1)
    const fresh = await openDevice(browser, server.url, 'alice-recovered')
    devices.push(fresh)
    await fresh.page.getByRole('tab', { name: 'I lost my devices' }).click()
    await fresh.page.getByLabel('User name').fill('alice')
    await fresh.page.getByLabel('Recovery secret').fill(secret.toLowerCase())
    await fresh.page.getByRole('button', { name: 'Recover my account' }).click()
    await fresh.page.getByTestId('me').filter({ hasText: 'alice' }).waitFor({ timeout: T })
    await waitOnline(fresh.page)
    await fresh.page.locator('[data-testid="conversation-item"][data-members="alice,bob"]').click()
    const old = message(fresh.page, 'written before the wipe')
    await old.waitFor({ timeout: T })
    await old.getByTestId('transferred').waitFor({ timeout: T })
    await screenshot(fresh.page, 'recovered-history')

    // The directory proves the new device only; the old one is revoked.
    let proven: string[] = []
    const provenBy = Date.now() + T
    while (Date.now() < provenBy) {
      proven = (await bob.verifiedDevices('alice')).map((d) => d.deviceId)
      if (proven.length === 1 && proven[0] !== oldDevice) break
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(proven).toHaveLength(1)
    expect(proven[0]).not.toBe(oldDevice)

    // The old conversation goes on, both ways: the new device took the revoked one's place in it (protocol §5.2).
    const heard = new Promise<{ conversation: string; fromDevice: string }>((resolve) => {
      const off = bob.on('message', (m) => {
        if (m.text !== 'back from the flood') return
        off()
        resolve(m)
      })
    })
    await send(fresh.page, 'back from the flood')
    const got = await heard
    expect(got.fromDevice).toBe(proven[0])
    await bob.send(got.conversation, 'glad you are back')
    await message(fresh.page, 'glad you are back').waitFor({ timeout: T })
    await screenshot(fresh.page, 'recovered-conversation-goes-on')

    await fresh.page.getByRole('link', { name: /^Settings/ }).click()
    await fresh.page.locator('[data-testid="device"][data-status="revoked"]').waitFor({ timeout: T })
  })

  it('approves a second browser with the history, which it shows as transferred, with progress', async () => {
    const phone = await openDevice(browser, server.url, 'carol-phone')
    devices.push(phone)
    await register(phone.page, 'carol')
    await startConversation(phone.page, 'bob')
    await send(phone.page, 'carol before the laptop')
    const laptop = await openDevice(browser, server.url, 'carol-laptop')
    devices.push(laptop)
    // While it waits, the new device polls sign-in, which the server refuses (403) until approval;
    // approving, the phone may meet a 409 no_key_package before the laptop has published its key
    // packages — Chromium logs any non-2xx fetch (as in web-client.test.ts).
    laptop.allow.push(/status of 403/)
    phone.allow.push(/status of 409/)
    const id = await requestEnrolment(laptop.page, 'carol', 'laptop')
    await phone.page.getByRole('link', { name: /^Settings/ }).click()
    const request = phone.page.locator(`[data-testid="enrolment-request"]`).filter({ has: phone.page.locator(`[data-device-id="${id}"]`) })
    await request.waitFor({ timeout: T })
    await phone.page.locator('select[name="historyBack"]').selectOption('all')
    // The progress bars come and go quickly: each page records whether one was ever shown.
    const watchProgress = () => {
      const w = window as unknown as { sawProgress: string[] }
      w.sawProgress = []
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="history-progress"]')
        if (bar) w.sawProgress.push(bar.getAttribute('data-stage') ?? '')
      }).observe(document.body, { subtree: true, childList: true, attributes: true })
    }
    await Promise.all([phone.page.evaluate(watchProgress), laptop.page.evaluate(watchProgress)])
    await request.getByRole('button', { name: 'Approve' }).click()
    await laptop.page.getByTestId('me').filter({ hasText: 'carol' }).waitFor({ timeout: 60_000 })
    await laptop.page.locator('[data-testid="conversation-item"][data-members="bob,carol"]').click()
    const m = message(laptop.page, 'carol before the laptop')
    await m.getByTestId('transferred').waitFor({ timeout: T })
    await screenshot(laptop.page, 'transferred-history')
    const saw = (p: typeof phone.page) => p.evaluate(() => (window as unknown as { sawProgress: string[] }).sawProgress)
    expect(await saw(phone.page)).toContain('uploading')
    expect(await saw(laptop.page)).toEqual(expect.arrayContaining(['downloading']))
  })
})
