// The installable app: the built files served compressed and cached as they should be, the
// manifest and service worker in Chromium, an offline reload that still shows the
// conversations, and notifications for a message arriving while the tab is in the background.
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { conversationItem, message, openConversation, register, send, startConversation } from './support/ui.ts'
import { distDir, ensureBuilt } from './support/web-build.ts'

const T = 20_000

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
  }, 120_000)
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
  let server: RunningServer
  let browser: Browser
  const devices: Device[] = []
  let alice: Device
  let bob: Device
  let direct: string

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
  }, 120_000)

  afterEach(() => {
    const errors = devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const device = async (name: string, viewport?: { width: number; height: number }) => {
    const d = await openDevice(browser, server.url, name, viewport)
    devices.push(d)
    return d
  }

  it('has a manifest and an active service worker', async () => {
    ;[alice, bob] = await Promise.all([device('alice'), device('bob', { width: 390, height: 800 })])
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const cdp = await alice.context.newCDPSession(alice.page)
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data?: string }
    expect(manifest.url).toBe(`${server.url}/manifest.webmanifest`)
    expect(manifest.errors).toEqual([])
    const data = JSON.parse(manifest.data ?? '{}') as { name?: string; display?: string; icons?: Array<{ sizes: string }> }
    expect(data.name).toBe('Candor')
    expect(data.display).toBe('standalone')
    expect(data.icons?.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
    expect(await activeWorker(alice.page)).toBe(`${server.url}/sw.js`)
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
    await bob.page.goto(`${server.url}/#/`)
    await conversationItem(bob.page, 'alice,bob').filter({ hasText: 'reply before the tunnel' }).waitFor({ timeout: T })
    await openConversation(bob.page, direct)

    // And when the network is back it catches up.
    await send(alice.page, 'after the tunnel')
    await bob.context.setOffline(false)
    await message(bob.page, 'after the tunnel').waitFor({ timeout: T })
  })

  it('notifies of a message that arrives while the tab is in the background, with the count in the title; mute is respected', async () => {
    await bob.context.grantPermissions(['notifications'], { origin: server.url })
    bob.allow.push(/does not support the Push API in incognito/)
    await bob.page.goto(`${server.url}/#/`)
    await bob.page.getByTestId('me').waitFor({ timeout: T })
    await setHidden(bob.page, true)

    await send(alice.page, 'are you there?')
    await expect.poll(() => notifications(bob.page), { timeout: T }).toContainEqual({ title: 'alice', body: 'are you there?', tag: `candor-${direct}` })
    await expect.poll(() => bob.page.title(), { timeout: T }).toMatch(/^\(\d+\) Candor$/)
    expect(await bob.page.locator('link[rel="icon"]').getAttribute('href')).toMatch(/^data:image\/png/)

    // Muted on bob's device: no notification, and the conversation leaves the title's count.
    await setHidden(bob.page, false)
    await bob.page.goto(`${server.url}/#/c/${encodeURIComponent(direct)}/info`)
    await bob.page.getByTestId('mute-toggle').click()
    await bob.page.getByTestId('mute-toggle').filter({ hasText: 'Unmute notifications' }).waitFor({ timeout: T })
    await bob.page.goto(`${server.url}/#/`)
    await setHidden(bob.page, true)
    await send(alice.page, 'muted one')
    await conversationItem(bob.page, 'alice,bob').filter({ hasText: 'muted one' }).waitFor({ timeout: T })
    expect((await notifications(bob.page)).map((n) => n.body)).not.toContain('muted one')
    expect(await bob.page.title()).toBe('Candor')
  })

  it('turns a Web Push wake-up into a content-free notification when no tab is open', async () => {
    const cdp = await alice.context.newCDPSession(alice.page)
    const registration = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
        const r = e.registrations.find((x) => x.scopeURL === `${server.url}/` && !x.isDeleted)
        if (r) resolve(r.registrationId)
      })
    })
    await cdp.send('ServiceWorker.enable')
    const registrationId = await registration
    await alice.context.grantPermissions(['notifications'], { origin: server.url })
    // With notifications on, the page subscribes to Web Push; a Playwright context is incognito,
    // where Chromium has no push service and says so in the console (the server side of a push
    // is packages/sdk/test/web-push.test.ts).
    alice.allow.push(/does not support the Push API in incognito/)
    // No window of the app is open: the worker itself must notify.
    await alice.page.goto('about:blank')
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify({ v: 1, t: 'wake' }) })
    await alice.page.goto(`${server.url}/#/`)
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
