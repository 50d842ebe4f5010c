// Two people exchange an image and a 20 MB file in Chromium (issue 15 "Done when"): the image's
// preview is made in Alice's browser and shown in Bob's before any download; uploads and
// downloads show progress; what Bob saves has the same SHA-256 as what Alice attached; once he
// has both files the server deletes their blobs. Canary: the preview, the names and the bytes
// are in none of the server's database files, its blob folder or its logs. axe-core's WCAG 2.1
// AA rules (light and dark theme) run on the cards: while the upload and the download are held
// (by the test, at the browser's network layer) with their progress bars showing, and finished.
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page, Route } from 'playwright-core'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { gradientPng } from './support/png.ts'
import { openConversation, register, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 120_000
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const MB = 1024 * 1024

/**
 * Holds the first request of `page` that `matches` at the network layer until `release()`;
 * `arrived` resolves once it is held. Every other request goes on as usual.
 */
async function holdRequest(page: Page, matches: (url: URL, method: string) => boolean) {
  let arrivedNow!: () => void
  let releaseNow!: () => void
  const arrived = new Promise<void>((r) => (arrivedNow = r))
  const released = new Promise<void>((r) => (releaseNow = r))
  let held = false
  const every = () => true
  const handler = async (route: Route) => {
    const req = route.request()
    if (held || !matches(new URL(req.url()), req.method())) return route.fallback()
    held = true
    arrivedNow()
    await released
    // The page may have given up on it meanwhile (its own timeout); it then retries by itself.
    await route.continue().catch(() => undefined)
  }
  await page.route(every, handler)
  return {
    arrived,
    async release() {
      releaseNow()
      await page.unroute(every, handler).catch(() => undefined)
    },
  }
}

describe.skipIf(!chromiumAvailable())('an image and a 20 MB file between two people (Chromium)', () => {
  const w = webWorld()
  const { devices, logs } = w
  const violations: string[] = []
  const axe = async (d: Device, screen: string) => {
    const found = await axeViolations(d.page, `${screen} — ${d.name}`)
    if (found.length > 0) console.warn(found.join('\n'))
    violations.push(...found)
  }

  async function attach(d: Device, name: string, mimeType: string, buffer: Buffer): Promise<void> {
    const [chooser] = await Promise.all([d.page.waitForEvent('filechooser', { timeout: T }), d.page.getByRole('button', { name: 'Attach a file' }).click()])
    await chooser.setFiles({ name, mimeType, buffer })
  }

  async function save(d: Device, name: string): Promise<Buffer> {
    const item = d.page.getByTestId('attachment').filter({ hasText: name })
    await item.waitFor({ timeout: T })
    const [download] = await Promise.all([d.page.waitForEvent('download', { timeout: T }), item.getByTestId('download').click()])
    expect(download.suggestedFilename()).toBe(name)
    return readFileSync((await download.path())!)
  }

  it('alice sends a photo and a 20 MB file; bob sees the preview first, then saves both with equal hashes; the blobs then go', async () => {
    const [alice, bob] = await Promise.all([openDevice(w.browser, w.server.url, 'alice'), openDevice(w.browser, w.server.url, 'bob')])
    devices.push(alice, bob)
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const conv = await startConversation(alice.page, 'bob')

    const photo = gradientPng(1600, 1000)
    const photoName = 'CANARY holiday photo.png'
    await attach(alice, photoName, 'image/png', photo)
    const sentPhoto = alice.page.getByTestId('message').filter({ hasText: photoName })
    await sentPhoto.and(alice.page.locator('[data-delivery="sent"]')).waitFor({ timeout: T })
    // Alice's own copy of the message shows the preview her browser made.
    await sentPhoto.getByTestId('thumbnail').waitFor({ timeout: T })

    const big = randomBytes(20 * MB)
    const bigName = 'CANARY dataset.bin'
    // The upload's second 1 MB piece waits at the network layer until axe has seen the progress bar.
    const secondPiece = await holdRequest(alice.page, (url, method) => method === 'PUT' && url.pathname.startsWith('/v1/blobs/') && url.searchParams.get('offset') === String(MB))
    await attach(alice, bigName, 'application/octet-stream', big)
    // Upload progress is shown on the message while the 20 MB go up.
    const uploading = alice.page.getByTestId('uploading')
    await uploading.waitFor({ timeout: T })
    await expect(uploading.locator('progress').getAttribute('aria-label')).resolves.toBe(`Uploading ${bigName}`)
    try {
      await secondPiece.arrived
      // The first piece is up: the bar shows it.
      await expect.poll(() => uploading.locator('progress').evaluate((p: HTMLProgressElement) => p.value), { timeout: T }).toBeGreaterThan(0)
      await axe(alice, 'uploading (progress shown)')
    } finally {
      await secondPiece.release()
    }
    await alice.page.getByTestId('message').filter({ hasText: bigName }).and(alice.page.locator('[data-delivery="sent"]')).waitFor({ timeout: T })
    await screenshot(alice.page, 'image-and-large-file-sent')
    await axe(alice, 'sent: a photo with its preview, a file')

    await openConversation(bob.page, conv)
    const photoItem = bob.page.getByTestId('attachment').filter({ hasText: photoName })
    await photoItem.waitFor({ timeout: T })
    // The preview is there before Bob downloads anything: decoded, at most 320 px, from a data: URL.
    const thumb = photoItem.getByTestId('thumbnail')
    await thumb.waitFor({ timeout: T })
    const shown = await thumb.evaluate((img: HTMLImageElement) => ({ w: img.naturalWidth, h: img.naturalHeight, src: img.src, alt: img.alt }))
    expect(shown.w).toBe(320)
    expect(shown.h).toBe(200)
    expect(shown.alt).toBe(`Preview of ${photoName}`)
    expect(shown.src).toMatch(/^data:image\/(webp|jpeg);base64,/)
    const thumbBytes = Buffer.from(shown.src.split(',')[1]!, 'base64')
    expect(thumbBytes.length).toBeLessThanOrEqual(16 * 1024)
    const blobDir = join(w.server.dataDir, 'blobs')
    expect(readdirSync(blobDir).filter((f) => f.endsWith('.blob'))).toHaveLength(2)
    // Canary, blob folder: ciphertext only — no preview, name or bytes of either file.
    for (const f of readdirSync(blobDir)) {
      const bytes = readFileSync(join(blobDir, f))
      expect(bytes.includes(thumbBytes.subarray(0, 48)), `${f}: preview bytes`).toBe(false)
      expect(bytes.toString('latin1').includes('CANARY'), `${f}: names`).toBe(false)
      expect(bytes.includes(photo.subarray(100, 164)) || bytes.includes(big.subarray(0, 64)), `${f}: file bytes`).toBe(false)
    }
    await screenshot(bob.page, 'image-preview-before-download')
    await axe(bob, 'received: a photo with its preview, a file')

    expect(sha(await save(bob, photoName))).toBe(sha(photo))

    // The 20 MB file: progress while it comes down, then the same bytes.
    const bigItem = bob.page.getByTestId('attachment').filter({ hasText: bigName })
    await bigItem.waitFor({ timeout: T })
    await expect(bigItem.textContent()).resolves.toMatch(/20\.0 MB/)
    // The download's request waits at the network layer, before its first byte, until axe has run.
    const firstByte = await holdRequest(bob.page, (url, method) => method === 'GET' && /^\/v1\/blobs\/[^/]+\/content$/.test(url.pathname))
    const [download] = await Promise.all([
      bob.page.waitForEvent('download', { timeout: T }),
      (async () => {
        try {
          await bigItem.getByTestId('download').click()
          const progress = bigItem.getByTestId('download-progress')
          await progress.waitFor({ timeout: T })
          expect(await progress.getAttribute('aria-label')).toBe(`Downloading ${bigName}`)
          await firstByte.arrived
          await axe(bob, 'downloading (progress shown)')
        } finally {
          await firstByte.release()
        }
      })(),
    ])
    expect(sha(readFileSync((await download.path())!))).toBe(sha(big))
    await bigItem.getByTestId('download').waitFor({ timeout: T })
    await axe(bob, 'saved: both files')

    // Bob, the one recipient, has both: the server deleted both blobs.
    await expect.poll(() => readdirSync(blobDir).filter((f) => f.endsWith('.blob')).length, { timeout: T }).toBe(0)

    // Canary: neither the preview, the names nor the bytes are in the database files or the logs.
    const preview = thumbBytes.subarray(0, 48)
    const previewText = shown.src.split(',')[1]!.slice(0, 40)
    const previewB64url = thumbBytes.subarray(0, 30).toString('base64url')
    const dbFiles = readdirSync(w.server.dataDir).filter((f) => f.startsWith('candor.db'))
    expect(dbFiles.length).toBeGreaterThan(0)
    for (const f of dbFiles) {
      const bytes = readFileSync(join(w.server.dataDir, f))
      expect(bytes.includes(preview), `${f}: preview bytes`).toBe(false)
      for (const text of ['CANARY', previewText, previewB64url]) expect(bytes.toString('latin1').includes(text), `${f}: ${text}`).toBe(false)
      expect(bytes.includes(photo.subarray(100, 164)), `${f}: photo bytes`).toBe(false)
      expect(bytes.includes(big.subarray(0, 64)), `${f}: file bytes`).toBe(false)
    }
    const logText = logs.join('')
    expect(logs.length).toBeGreaterThan(0)
    for (const text of ['CANARY', previewText, previewB64url]) expect(logText.includes(text), `logs: ${text}`).toBe(false)
    expect(violations, 'axe-core WCAG 2.1 AA violations').toEqual([])
  }, 400_000)
})
