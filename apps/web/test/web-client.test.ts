// The web client end to end: real server, real Chromium, one browser context per device.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import type { Browser } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore, verifyExport } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import {
  conversationItem,
  message,
  messageTexts,
  openConversation,
  register,
  requestEnrolment,
  send,
  startConversation,
  waitOnline,
} from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

function unzipAvailable(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe.skipIf(!chromiumAvailable())('web client in Chromium', () => {
  let server: RunningServer
  let browser: Browser
  const devices: Device[] = []
  let alice: Device
  let bob: Device
  let carol: Device
  let direct: string

  const device = async (name: string, viewport?: { width: number; height: number }) => {
    const d = await openDevice(browser, server.url, name, viewport)
    devices.push(d)
    return d
  }

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
  }, 240_000)

  afterEach(() => {
    const errors = devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('two people register, find each other and chat both ways in real time', async () => {
    ;[alice, bob] = await Promise.all([device('alice'), device('bob')])
    await screenshot(alice.page, 'onboarding')
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])

    direct = await startConversation(alice.page, 'bob')
    await send(alice.page, 'hello bob')
    // Bob has not opened anything: the conversation appears with one unread message.
    const item = conversationItem(bob.page, 'alice,bob')
    await item.getByTestId('unread').filter({ hasText: '1' }).waitFor({ timeout: T })
    await screenshot(bob.page, 'conversation-list-unread')
    await item.click()
    await message(bob.page, 'hello bob').waitFor({ timeout: T })
    await expect.poll(() => item.getByTestId('unread').count()).toBe(0)

    await send(bob.page, 'hi alice')
    // Alice sees it without reloading.
    await message(alice.page, 'hi alice').waitFor({ timeout: T })
    await send(alice.page, 'how are you?')
    await message(bob.page, 'how are you?').waitFor({ timeout: T })
    expect(await messageTexts(bob.page)).toEqual(['hello bob', 'hi alice', 'how are you?'])
    // Sent, and since bob has the conversation open, delivered and read (his receipts).
    await alice.page.locator('[data-direction="out"][data-receipt="read"]').first().waitFor({ timeout: T })
    expect(await alice.page.locator('[data-direction="out"] [data-testid="delivery"]').first().textContent()).toContain('Read')
    await screenshot(alice.page, 'conversation')
  })

  it('"Who can read this?" lists exactly the two people and their directory-checked devices', async () => {
    await alice.page.getByTestId('who-can-read').click()
    const readers = alice.page.getByTestId('reader')
    await expect.poll(() => readers.evaluateAll((els) => els.map((e) => e.getAttribute('data-user')))).toEqual(['alice', 'bob'])
    expect(await alice.page.locator('.check.ok').count()).toBe(2)
    expect(await alice.page.locator('.check.bad').count()).toBe(0)
    await screenshot(alice.page, 'who-can-read')
  })

  it('shows the same safety number on both sides and remembers verification', async () => {
    await alice.page.getByRole('link', { name: 'Safety number' }).click()
    await bob.page.getByTestId('who-can-read').click()
    await bob.page.getByRole('link', { name: 'Safety number' }).click()
    const numberOn = async (d: Device) => {
      const el = d.page.getByTestId('safety-number')
      await el.waitFor({ timeout: T })
      return el.getAttribute('data-value')
    }
    const [a, b] = await Promise.all([numberOn(alice), numberOn(bob)])
    expect(a).toMatch(/^(\d{5} ){11}\d{5}$/)
    expect(a).toBe(b)
    // Each sees the other's organisation, from the same directory proof as the keys.
    for (const d of [alice, bob]) {
      const org = d.page.getByTestId('contact-organisation')
      expect(await org.getAttribute('data-value')).toBe('default')
      expect(await org.textContent()).toMatch(/belongs to the organisation default, as the key directory proves/)
    }
    await alice.page.getByRole('button', { name: 'Mark as verified' }).click()
    await alice.page.locator('[data-testid="trust"][data-state="verified"]').waitFor({ timeout: T })
    await screenshot(alice.page, 'safety-number')
  })

  it("enrols bob's second device, approved from his first, and warns alice that bob's keys changed", async () => {
    const bobPhone = await device('bob-phone', { width: 390, height: 800 })
    // While it waits, the new device polls sign-in, which the server refuses (403) until approval.
    bobPhone.allow.push(/status of 403/)
    const phoneId = await requestEnrolment(bobPhone.page, 'bob', 'bob phone')
    await screenshot(bobPhone.page, 'pending-approval')

    await bob.page.getByRole('link', { name: /^Settings/ }).click()
    const request = bob.page.getByTestId('enrolment-request')
    await request.waitFor({ timeout: T })
    expect(await request.locator('.device-code').getAttribute('data-device-id')).toBe(phoneId)
    await screenshot(bob.page, 'settings-enrolment-request')
    // approve() claims the new device's key packages until it has published them; each miss is
    // a 409 no_key_package, which Chromium logs for any non-2xx fetch (an SDK gap, see README).
    const during = /status of 409/
    bob.allow.push(during)
    await request.getByRole('button', { name: 'Approve' }).click()
    await bob.page.locator('[data-testid="device"][data-status="active"]').nth(1).waitFor({ timeout: T })
    bob.allow.splice(bob.allow.indexOf(during), 1)
    await screenshot(bob.page, 'settings-devices')

    await bobPhone.page.getByTestId('me').filter({ hasText: 'bob' }).waitFor({ timeout: T })
    await waitOnline(bobPhone.page)

    // Alice verified bob's old key set: the new device must raise the warning.
    await openConversation(alice.page, direct)
    await alice.page.getByTestId('key-change-warning').waitFor({ timeout: T })
    await screenshot(alice.page, 'key-change-warning')

    // The new device was added to the conversation and reads new messages.
    await send(alice.page, 'for both your devices')
    await conversationItem(bobPhone.page, 'alice,bob').click()
    await message(bobPhone.page, 'for both your devices').waitFor({ timeout: T })
    await screenshot(bobPhone.page, 'phone-conversation')

    // Re-verifying the new keys clears the warning.
    await alice.page.getByTestId('key-change-warning').getByRole('link', { name: 'bob' }).click()
    await alice.page.getByRole('button', { name: /verify the new keys/ }).click()
    await openConversation(alice.page, direct)
    await expect.poll(() => alice.page.getByTestId('key-change-warning').count()).toBe(0)
  })

  it('revoking a device from settings tells it it was removed, in place of its message box, and warns contacts again', async () => {
    const bobPhone = devices.find((d) => d.name === 'bob-phone')!
    bobPhone.allow.push(/status of 40[13]/)
    bob.page.once('dialog', (d) => void d.accept())
    await bob.page.getByRole('link', { name: /^Settings/ }).click()
    await bob.page.getByRole('button', { name: 'Revoke bob phone' }).click()
    await bob.page.locator('[data-testid="device"][data-status="revoked"]').waitFor({ timeout: T })
    await bobPhone.page.getByTestId('offline-banner').filter({ hasText: 'This device was removed from your account' }).waitFor({ timeout: T })
    // The conversation it had open says why it cannot send, instead of a box whose sends would stay "Sending…".
    await bobPhone.page.getByTestId('session-ended').filter({ hasText: 'This device was removed from your account' }).waitFor({ timeout: T })
    expect(await bobPhone.page.locator('#composer-text').count()).toBe(0)
    await openConversation(alice.page, direct)
    await alice.page.getByTestId('key-change-warning').waitFor({ timeout: T })
    await screenshot(bobPhone.page, 'revoked-device')
    await bobPhone.context.close()
    devices.splice(devices.indexOf(bobPhone), 1)
  })

  it('a device asking to join is denied from settings; it stops waiting and offers to start over', async () => {
    const stranger = await device('stranger')
    // It polls sign-in while it waits (403), and hears its request is gone once denied (404).
    stranger.allow.push(/status of 40[34]/)
    const strangerId = await requestEnrolment(stranger.page, 'bob', 'IT support laptop')

    await bob.page.getByRole('link', { name: /^Settings/ }).click()
    const request = bob.page.getByTestId('enrolment-request').filter({ hasText: 'IT support laptop' })
    await request.waitFor({ timeout: T })
    expect(await request.locator('.device-code').getAttribute('data-device-id')).toBe(strangerId)
    await request.getByRole('button', { name: 'Deny IT support laptop' }).click()
    await expect.poll(() => bob.page.getByTestId('enrolment-request').count(), { timeout: T }).toBe(0)

    await stranger.page.getByText('This request was denied').waitFor({ timeout: T })
    await stranger.page.getByRole('button', { name: 'Start over' }).waitFor({ timeout: T })
    await screenshot(stranger.page, 'enrolment-denied')
    await stranger.context.close()
    devices.splice(devices.indexOf(stranger), 1)
  })

  it('a group of three: create, chat, remove one, add another', async () => {
    carol = await device('carol')
    await register(carol.page, 'carol')
    const group = await startConversation(alice.page, 'bob, carol')
    await send(alice.page, 'welcome to the group')
    for (const d of [bob, carol]) {
      await conversationItem(d.page, 'alice,bob,carol').click()
      await message(d.page, 'welcome to the group').waitFor({ timeout: T })
    }
    await send(carol.page, 'thanks!')
    await message(alice.page, 'thanks!').waitFor({ timeout: T })
    await message(bob.page, 'thanks!').waitFor({ timeout: T })
    await screenshot(alice.page, 'group')

    await alice.page.getByTestId('who-can-read').click()
    await alice.page.getByRole('button', { name: 'Remove carol from this conversation' }).click()
    await expect.poll(() => alice.page.getByTestId('reader').count(), { timeout: T }).toBe(2)
    await carol.page.getByTestId('inactive-banner').waitFor({ timeout: T })
    await screenshot(carol.page, 'removed-from-group')

    await openConversation(alice.page, group)
    await send(alice.page, 'carol cannot read this')
    await message(bob.page, 'carol cannot read this').waitFor({ timeout: T })
    expect(await message(carol.page, 'carol cannot read this').count()).toBe(0)
    expect(await carol.page.locator('#composer-text').count()).toBe(0)

    // Adding someone: dave uses the SDK from Node, the same code the page runs.
    const dave = await CandorClient.register(
      { server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket },
      'dave',
    )
    try {
      await dave.connect()
      const joined = new Promise<void>((resolve) => dave.on('conversation', (e) => e.id === group && e.change === 'joined' && resolve()))
      await alice.page.getByTestId('who-can-read').click()
      await alice.page.getByLabel('Add people').fill('dave')
      await alice.page.getByRole('button', { name: 'Add', exact: true }).click()
      await alice.page.locator('[data-testid="reader"][data-user="dave"]').waitFor({ timeout: T })
      await joined
      await dave.send(group, 'hello from dave')
      await openConversation(alice.page, group)
      await message(alice.page, 'hello from dave').waitFor({ timeout: T })
      await message(bob.page, 'hello from dave').waitFor({ timeout: T })
      expect(await message(carol.page, 'hello from dave').count()).toBe(0)
    } finally {
      dave.close()
    }
  })

  it('shows a clear offline state and catches up after reconnecting', async () => {
    bob.allow.push(/ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed/)
    await openConversation(bob.page, direct)
    await bob.context.setOffline(true)
    await bob.page.getByTestId('offline-banner').waitFor({ timeout: T })
    await screenshot(bob.page, 'offline')
    await openConversation(alice.page, direct)
    await send(alice.page, 'sent while you were offline')
    await bob.context.setOffline(false)
    await waitOnline(bob.page)
    await message(bob.page, 'sent while you were offline').waitFor({ timeout: T })
    expect(await bob.page.getByTestId('offline-banner').count()).toBe(0)
  })

  it('keeps identity and history across a reload', async () => {
    await alice.page.reload()
    await alice.page.getByTestId('me').filter({ hasText: 'alice' }).waitFor({ timeout: T })
    await waitOnline(alice.page)
    await openConversation(alice.page, direct)
    expect(await messageTexts(alice.page)).toEqual(['hello bob', 'hi alice', 'how are you?', 'for both your devices', 'sent while you were offline'])
    // Still the same device: it can still send.
    await send(alice.page, 'back after reload')
    await message(bob.page, 'back after reload').waitFor({ timeout: T })
  })

  it('keeps everything in IndexedDB sealed under a non-extractable key', async () => {
    const dump = JSON.parse(
      await alice.page.evaluate(`new Promise((resolve, reject) => {
        const open = indexedDB.open('candor')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const tx = open.result.transaction(['kv', 'logs', 'meta'])
          const out = {}
          const all = (name) => { const r = tx.objectStore(name).getAll(); r.onsuccess = () => { out[name] = r.result } }
          all('kv'); all('logs'); all('meta')
          tx.oncomplete = () => resolve(JSON.stringify({
            kv: out.kv.map((v) => Object.keys(v).sort().join()),
            logs: out.logs.map((v) => Object.keys(v.value).sort().join()),
            key: out.meta.map((k) => ({ type: k.type, extractable: k.extractable, algorithm: k.algorithm.name })),
            text: new TextDecoder().decode(new Uint8Array(out.kv.concat(out.logs.map((l) => l.value)).flatMap((v) => [...new Uint8Array(v.ct)]))),
          }))
        }
      })`),
    ) as { kv: string[]; logs: string[]; key: unknown[]; text: string }
    expect(dump.key).toEqual([{ type: 'secret', extractable: false, algorithm: 'AES-GCM' }])
    expect(dump.kv.length).toBeGreaterThan(3)
    expect(new Set([...dump.kv, ...dump.logs])).toEqual(new Set(['ct,iv']))
    expect(dump.text).not.toContain('hello bob')
  })

  it("keeps browser-sent text out of the server's database", async () => {
    const canary = `canary-${crypto.randomUUID()}`
    await openConversation(alice.page, direct)
    await send(alice.page, canary)
    await message(bob.page, canary).waitFor({ timeout: T })
    // Every file under the data folder: the database and the blob folder.
    const files = readdirSync(server.dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name)))
    expect(files.length).toBeGreaterThan(0)
    for (const bytes of files) expect(bytes.includes(canary)).toBe(false)
  })

  it('disappearing messages: a member sets the timer, both sides see it, and messages vanish when it runs out', async () => {
    await openConversation(alice.page, direct)
    await alice.page.getByTestId('who-can-read').click()
    const timer = alice.page.getByLabel('Disappearing messages')
    const set = alice.page.getByRole('button', { name: 'Set timer' })
    // Below the server's policy (at least 5 s): a clear error, and nothing changes.
    const refused = /status of 400/
    alice.allow.push(refused)
    await timer.fill('2s')
    await set.click()
    await alice.page.getByRole('alert').filter({ hasText: 'between 5 s' }).waitFor({ timeout: T })
    alice.allow.splice(alice.allow.indexOf(refused), 1)
    await timer.fill('5s')
    await set.click()
    await alice.page.getByTestId('timer-now').filter({ hasText: 'disappear after 5 seconds' }).waitFor({ timeout: T })

    await openConversation(bob.page, direct)
    await bob.page.getByTestId('timer-notice').filter({ hasText: 'alice set disappearing messages to 5 seconds' }).waitFor({ timeout: T })
    await bob.page.getByTestId('timer').filter({ hasText: 'Messages disappear after 5 seconds' }).waitFor({ timeout: T })
    await openConversation(alice.page, direct)
    await send(alice.page, 'gone in five seconds')
    await message(bob.page, 'gone in five seconds').waitFor({ timeout: T })
    await screenshot(bob.page, 'disappearing-messages')
    await expect.poll(() => message(bob.page, 'gone in five seconds').count(), { timeout: T }).toBe(0)
    await expect.poll(() => message(alice.page, 'gone in five seconds').count(), { timeout: T }).toBe(0)
    expect(await messageTexts(bob.page)).toContain('back after reload')

    await alice.page.getByTestId('who-can-read').click()
    await timer.fill('off')
    await set.click()
    await bob.page.getByTestId('timer-notice').filter({ hasText: 'alice turned off disappearing messages' }).waitFor({ timeout: T })
    await expect.poll(() => bob.page.getByTestId('timer').count()).toBe(0)
  })

  it('Settings → Your data: a receipt after an admin action, the consent ledger, and an export that verifies', async () => {
    // A real admin, on their own SDK device, looks at alice's account with a reason and a case.
    const root = await CandorClient.register({ server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, 'root')
    await root.admin.enrol((await server.server.context.admins.enrolmentToken())!, 'ops')
    await root.admin.user('alice', { why: 'support_request', case: 'WEB-42' })
    root.close()

    const page = alice.page
    await page.goto(`${server.url}/#/settings`)
    const receipt = page.getByTestId('access-receipt').filter({ has: page.getByTestId('receipt-case').filter({ hasText: 'WEB-42' }) })
    await receipt.waitFor({ timeout: T })
    expect(await receipt.textContent()).toMatch(/operator .*\(ops\).*support request/s)
    expect(await receipt.getAttribute('data-delayed')).toBe('false')
    await screenshot(page, 'settings-your-data')
    // Bob approved his second device earlier: the consent was recorded by that approval.
    await bob.page.goto(`${server.url}/#/settings`)
    await bob.page.locator('[data-testid="consent"][data-purpose="device_enrolment"]').first().waitFor({ timeout: T })

    const download = page.waitForEvent('download', { timeout: T })
    await page.getByRole('button', { name: 'Export my data' }).click()
    const file = await (await download).path()
    const zip = readFileSync(file)
    expect(zip.subarray(0, 2).toString()).toBe('PK')
    if (unzipAvailable()) {
      const out = mkdtempSync(join(tmpdir(), 'candor-web-export-'))
      try {
        execFileSync('unzip', ['-q', file, '-d', out])
        const files = new Map<string, Uint8Array>()
        for (const e of readdirSync(out, { recursive: true, withFileTypes: true })) {
          if (e.isFile()) files.set(relative(out, join(e.parentPath, e.name)).split(sep).join('/'), new Uint8Array(readFileSync(join(e.parentPath, e.name))))
        }
        expect(await verifyExport(files)).toMatchObject({ ok: true })
        expect(new TextDecoder().decode(files.get('data/access-receipts.json'))).toContain('WEB-42')
      } finally {
        rmSync(out, { recursive: true, force: true })
      }
    }
  })

  it('Settings → Your data: a receipt the server keeps from the person is shown as withheld', async () => {
    // Someone with write access to the server's database takes alice's WEB-42 receipt away from her.
    const db = new Database(join(server.dataDir, 'candor.db'), { fileMustExist: true })
    try {
      db.pragma('busy_timeout = 5000')
      expect(db.prepare("UPDATE access_log SET subject = NULL WHERE idx = (SELECT MAX(idx) FROM access_log WHERE subject = 'alice')").run().changes).toBe(1)
    } finally {
      db.close()
    }
    const page = alice.page
    await page.goto(`${server.url}/#/settings`)
    await page.getByRole('button', { name: 'Check again' }).click()
    const banner = page.getByTestId('receipt-withheld')
    await banner.waitFor({ timeout: T })
    expect(await banner.textContent()).toMatch(/keeping an access receipt from you.*commits to access receipts the server did not hand/s)
    await page.locator('[data-testid="security-alert"][data-kind="receipt_withheld"]').waitFor({ timeout: T })
    await screenshot(page, 'settings-receipt-withheld')
  })

  it("says on alice's message that frank's laptop could not decrypt it", async () => {
    // Frank's device (the SDK) gets alice's text damaged, as from a broken server, and tells her.
    // Armed only once the conversation exists on both sides: what a new conversation sends first
    // (a display name, a members line) is not the message under test.
    let armed = false
    let damaged = false
    const frank = await CandorClient.register(
      {
        server: server.url,
        store: new MemoryLocalStore(),
        crypto: nodeCryptoProvider(),
        webSocket: (url) => {
          const ws = nodeWebSocket(url)
          return new Proxy(ws, {
            set(target, prop, value: typeof ws.onmessage) {
              if (prop !== 'onmessage' || !value) return Reflect.set(target, prop, value)
              target.onmessage = (ev) => {
                const bytes = new Uint8Array(ev.data as ArrayBuffer)
                // A deliver frame (0x83) of an application message (kind 0, after the 8-byte seq).
                if (!armed || damaged || bytes[0] !== 0x83 || bytes[9] !== 0) return value(ev)
                damaged = true
                const copy = new Uint8Array(bytes)
                copy[copy.length - 1]! ^= 1
                value({ data: copy.buffer })
              }
              return true
            },
          })
        },
      },
      'frank',
      'laptop',
    )
    try {
      await frank.connect()
      await startConversation(alice.page, 'frank')
      await expect.poll(() => frank.conversations().length, { timeout: T }).toBeGreaterThan(0)
      // Whatever alice's device sends on creating the conversation is queued for frank before this
      // first text, and his device handles its queue in order: once he has the text, the next
      // application message is alice's message under test (a fixed pause here was a race under load).
      const first = new Promise<void>((resolve) => frank.on('message', (m) => m.text === 'hello frank' && resolve()))
      await send(alice.page, 'hello frank')
      await first
      armed = true
      await send(alice.page, 'frank, can you read this?')
      await message(alice.page, 'frank, can you read this?')
        .getByTestId('failed-for')
        // Someone else's device is named by its id: the server tells nobody its name.
        .filter({ hasText: `Not delivered to frank's device ${frank.deviceId.slice(0, 8)}: could not decrypt` })
        .waitFor({ timeout: T })
      await screenshot(alice.page, 'message-not-delivered')
      expect(damaged).toBe(true)
    } finally {
      frank.close()
    }
  })

  it('lays out for phone width and dark theme', async () => {
    const page = bob.page
    await page.setViewportSize({ width: 390, height: 800 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.goto(`${server.url}/#/`)
    await page.getByTestId('conversation-item').first().waitFor({ timeout: T })
    expect(await page.locator('.main').isVisible()).toBe(false)
    await screenshot(page, 'phone-list-dark')
    await page.getByTestId('conversation-item').first().click()
    await page.locator('#composer-text').waitFor({ timeout: T })
    expect(await page.locator('.sidebar').isVisible()).toBe(false)
    await screenshot(page, 'phone-conversation-dark')
    // Keyboard: the back link is reachable and returns to the list.
    await page.getByRole('link', { name: 'Back' }).focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('conversation-item').first().waitFor({ timeout: T })
  })
})
