// The installable app: the built files served compressed and cached as they should be, the
// manifest and service worker in Chromium, an offline reload that still shows the
// conversations, and notifications for a message arriving while the tab is in the background.
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { conversationItem, message, openConversation, register, send, startConversation, waitOnline } from './support/ui.ts'
import { distDir, ensureBuilt } from './support/web-build.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

interface Got {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

function get(url: string, acceptEncoding?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (p: Buffer) => parts.push(p))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the built web client over HTTP', () => {
  let server: RunningServer
  beforeAll(async () => {
    await ensureBuilt()
    server = await startCandorServer()
  }, 240_000)
  afterAll(async () => server?.close())

  const hashedScript = (): string => {
    const html = readFileSync(join(distDir, 'index.html'), 'utf8')
    const m = /src="\.\/(assets\/index-[\w-]+\.js)"/.exec(html)
    if (!m) throw new Error('no hashed script in index.html')
    return m[1]!
  }

  it('sends hashed files brotli- or gzip-compressed and cached for a year', async () => {
    const path = hashedScript()
    const raw = readFileSync(join(distDir, path))
    const br = await get(`${server.url}/${path}`, 'gzip, deflate, br')
    expect(br.status).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(br.headers['vary']).toMatch(/accept-encoding/i)
    expect(br.headers['content-type']).toMatch(/javascript/)
    expect(br.body.length).toBeLessThan(raw.length / 3)
    expect(brotliDecompressSync(br.body).equals(raw)).toBe(true)

    const gz = await get(`${server.url}/${path}`, 'gzip')
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.body).equals(raw)).toBe(true)

    const plain = await get(`${server.url}/${path}`)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.equals(raw)).toBe(true)
  })

  it('sends the page, the service worker and the manifest with no-cache', async () => {
    for (const path of ['', 'index.html', 'sw.js', 'manifest.webmanifest']) {
      const r = await get(`${server.url}/${path}`, 'br')
      expect(r.status, path).toBe(200)
      expect(r.headers['cache-control'], path).toBe('no-cache')
    }
    const page = await get(`${server.url}/`, 'br')
    expect(page.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(page.body).toString()).toContain('<div id="app">')
    // The API is not a static file: no long-lived caching there.
    const health = await get(`${server.url}/healthz`)
    expect(health.headers['cache-control']).toBeUndefined()
  })
})

describe.skipIf(!chromiumAvailable())('the installable app in Chromium', () => {
  const w = webWorld()
  const { devices } = w
  let alice: Device
  let bob: Device
  let direct: string

  const device = async (name: string, viewport?: { width: number; height: number }) => {
    const d = await openDevice(w.browser, w.server.url, name, viewport)
    devices.push(d)
    return d
  }

  it('has a manifest and an active service worker', async () => {
    ;[alice, bob] = await Promise.all([device('alice'), device('bob', { width: 390, height: 800 })])
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const cdp = await alice.context.newCDPSession(alice.page)
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data?: string }
    expect(manifest.url).toBe(`${w.server.url}/manifest.webmanifest`)
    expect(manifest.errors).toEqual([])
    const data = JSON.parse(manifest.data ?? '{}') as { name?: string; display?: string; icons?: Array<{ sizes: string }> }
    expect(data.name).toBe('Candor')
    expect(data.display).toBe('standalone')
    expect(data.icons?.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
    expect(await activeWorker(alice.page)).toBe(`${w.server.url}/sw.js`)
  })

  it('shows the conversations and their history on a reload while offline', async () => {
    direct = await startConversation(alice.page, 'bob')
    await send(alice.page, 'before the tunnel')
    await conversationItem(bob.page, 'alice,bob').click()
    await message(bob.page, 'before the tunnel').waitFor({ timeout: T })
    await send(bob.page, 'reply before the tunnel')
    await message(alice.page, 'reply before the tunnel').waitFor({ timeout: T })
    await activeWorker(bob.page)

    // The network goes; the page reloads from the service worker's copy and IndexedDB.
    bob.allow.push(/ERR_INTERNET_DISCONNECTED|Failed to load resource|WebSocket connection/)
    await bob.context.setOffline(true)
    await bob.page.reload()
    // The open conversation, at phone width alone on the screen.
    await message(bob.page, 'before the tunnel').waitFor({ timeout: T })
    await message(bob.page, 'reply before the tunnel').waitFor({ timeout: T })
    await bob.page.getByTestId('offline-banner').waitFor({ timeout: T })
    await screenshot(bob.page, 'offline-reload-phone')
    // At phone width the open conversation fills the screen (no sideways scrolling).
    expect(await bob.page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true)
    // And the list of conversations, one step back.
    await bob.page.goto(`${w.server.url}/#/`)
    await conversationItem(bob.page, 'alice,bob').filter({ hasText: 'reply before the tunnel' }).waitFor({ timeout: T })
    await openConversation(bob.page, direct)

    // And when the network is back it catches up.
    await send(alice.page, 'after the tunnel')
    await bob.context.setOffline(false)
    await message(bob.page, 'after the tunnel').waitFor({ timeout: T })
  })

  it('notifies of a message that arrives while the tab is in the background, with the count in the title; mute is respected', async () => {
    await bob.context.grantPermissions(['notifications'], { origin: w.server.url })
    bob.allow.push(/does not support the Push API in incognito/)
    await bob.page.goto(`${w.server.url}/#/`)
    await bob.page.getByTestId('me').waitFor({ timeout: T })
    // Back from the offline test: connected again before the message is sent.
    await waitOnline(bob.page)
    await recordNotifications(bob.page)
    await setHidden(bob.page, true)

    await send(alice.page, 'are you there?')
    // Shown, or still with the browser (a notification it holds back is its business); never refused.
    const expected = { title: 'alice', body: 'are you there?', tag: `candor-${direct}`, outcome: expect.stringMatching(/^(shown|pending)$/) }
    await expect.poll(() => asked(bob.page), { timeout: T }).toContainEqual(expected).catch(async (e: unknown) => {
      // Say what the page saw, so that a failure here explains itself.
      throw new Error(`${String(e)}\nbob's page: ${JSON.stringify(await pageState(bob.page))}; the browser lists: ${JSON.stringify(await notifications(bob.page))}`)
    })
    await expect.poll(() => bob.page.title(), { timeout: T }).toMatch(/^\(\d+\) Candor$/)
    expect(await bob.page.locator('link[rel="icon"]').getAttribute('href')).toMatch(/^data:image\/png/)

    // Muted on bob's device: no notification, and the conversation leaves the title's count.
    await setHidden(bob.page, false)
    await bob.page.goto(`${w.server.url}/#/c/${encodeURIComponent(direct)}/info`)
    await bob.page.getByTestId('mute-toggle').click()
    await bob.page.getByTestId('mute-toggle').filter({ hasText: 'Unmute notifications' }).waitFor({ timeout: T })
    await bob.page.goto(`${w.server.url}/#/`)
    await setHidden(bob.page, true)
    await send(alice.page, 'muted one')
    await conversationItem(bob.page, 'alice,bob').filter({ hasText: 'muted one' }).waitFor({ timeout: T })
    // The same page (its record still holds the first one), and it asked for nothing more.
    expect((await asked(bob.page)).map((n) => n.body)).toEqual(['are you there?'])
    expect((await notifications(bob.page)).map((n) => n.body)).not.toContain('muted one')
    expect(await bob.page.title()).toBe('Candor')
  })

  it('turns a Web Push wake-up into a content-free notification when no tab is open', async () => {
    const cdp = await alice.context.newCDPSession(alice.page)
    const registration = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
        const r = e.registrations.find((x) => x.scopeURL === `${w.server.url}/` && !x.isDeleted)
        if (r) resolve(r.registrationId)
      })
    })
    await cdp.send('ServiceWorker.enable')
    const registrationId = await registration
    await alice.context.grantPermissions(['notifications'], { origin: w.server.url })
    // With notifications on, the page subscribes to Web Push; a Playwright context is incognito,
    // where Chromium has no push service and says so in the console (the server side of a push
    // is packages/sdk/test/web-push.test.ts).
    alice.allow.push(/does not support the Push API in incognito/)
    // No window of the app is open: the worker itself must notify.
    await alice.page.goto('about:blank')
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: w.server.url, registrationId, data: JSON.stringify({ v: 1, t: 'wake' }) })
    await alice.page.goto(`${w.server.url}/#/`)
    await alice.page.getByTestId('me').waitFor({ timeout: T })
    await expect.poll(() => notifications(alice.page), { timeout: T }).toContainEqual({ title: 'Candor', body: 'You have new messages. Open Candor to read them.', tag: 'candor-wake' })
  })
})

async function activeWorker(page: Page): Promise<string> {
  return page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL ?? '')
}

/** The notifications the page's service worker shows now. */
function notifications(page: Page): Promise<Array<{ title: string; body: string; tag: string }>> {
  return page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag })))
}

interface Asked {
  title: string
  body: string
  tag: string
  /** `shown` when the service worker's showNotification resolved; `page` for a page notification. */
  outcome: string
}

/**
 * From now on, records every notification the page asks the browser for — through its service
 * worker or as a page notification — with the browser's answer. The test checks what the app
 * asked for and that the browser accepted it: headless Chromium 156 sometimes lists nothing in
 * getNotifications() for a notification it accepted (stop 24's CI: the message had arrived, the
 * page was hidden, permission granted, the worker active, the title counted it), so its list is
 * printed beside a failure and used only where the test expects nothing.
 */
async function recordNotifications(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __asked?: Asked[] }
    if (w.__asked) return
    const list: Asked[] = (w.__asked = [])
    const proto = ServiceWorkerRegistration.prototype
    const show = proto.showNotification
    proto.showNotification = function (this: ServiceWorkerRegistration, title: string, options?: NotificationOptions) {
      const rec: Asked = { title, body: options?.body ?? '', tag: options?.tag ?? '', outcome: 'pending' }
      list.push(rec)
      return show.call(this, title, options).then(
        () => {
          rec.outcome = 'shown'
        },
        (e: unknown) => {
          rec.outcome = `refused: ${String(e)}`
          throw e
        },
      )
    }
    const PageNotification = window.Notification
    window.Notification = class extends PageNotification {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options)
        list.push({ title, body: options?.body ?? '', tag: options?.tag ?? '', outcome: 'page' })
      }
    }
  })
}

function asked(page: Page): Promise<Asked[]> {
  return page.evaluate(() => (window as unknown as { __asked?: Asked[] }).__asked ?? [])
}

/** What a failed notification check needs to be understood: the page's state as the app sees it. */
function pageState(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration()
    return {
      url: location.href,
      visibilityState: document.visibilityState,
      permission: Notification.permission,
      worker: { active: reg?.active?.state, waiting: reg?.waiting?.state, installing: reg?.installing?.state, controlled: navigator.serviceWorker.controller !== null },
      connection: document.querySelector('[data-testid="connection-state"]')?.getAttribute('data-state'),
      list: [...document.querySelectorAll('[data-testid="conversation-item"]')].map((e) => e.textContent),
      title: document.title,
    }
  })
}

/**
 * Headless Chromium reports every page as visible, so the test tells the page what a browser
 * says when its tab goes to the background: visibilityState and a visibilitychange event.
 */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') })
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}
