// Two people exchange an image and a 20 MB file in Chromium (issue 15 "Done when"): the image's
// preview is made in Alice's browser and shown in Bob's before any download; uploads and
// downloads show progress; what Bob saves has the same SHA-256 as what Alice attached; once he
// has both files the server deletes their blobs. Canary: the preview, the names and the bytes
// are in none of the server's database files, its blob folder or its logs.
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { gradientPng } from './support/png.ts'
import { openConversation, register, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 120_000
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe.skipIf(!chromiumAvailable())('an image and a 20 MB file between two people (Chromium)', () => {
  const w = webWorld()
  const { devices, logs } = w

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

    const big = randomBytes(20 * 1024 * 1024)
    const bigName = 'CANARY dataset.bin'
    await attach(alice, bigName, 'application/octet-stream', big)
    // Upload progress is shown on the message while the 20 MB go up.
    const uploading = alice.page.getByTestId('uploading')
    await uploading.waitFor({ timeout: T })
    await expect(uploading.locator('progress').getAttribute('aria-label')).resolves.toBe(`Uploading ${bigName}`)
    await alice.page.getByTestId('message').filter({ hasText: bigName }).and(alice.page.locator('[data-delivery="sent"]')).waitFor({ timeout: T })
    await screenshot(alice.page, 'image-and-large-file-sent')

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

    expect(sha(await save(bob, photoName))).toBe(sha(photo))

    // The 20 MB file: progress while it comes down, then the same bytes.
    const bigItem = bob.page.getByTestId('attachment').filter({ hasText: bigName })
    await bigItem.waitFor({ timeout: T })
    await expect(bigItem.textContent()).resolves.toMatch(/20\.0 MB/)
    const [download] = await Promise.all([
      bob.page.waitForEvent('download', { timeout: T }),
      (async () => {
        await bigItem.getByTestId('download').click()
        const progress = bigItem.getByTestId('download-progress')
        await progress.waitFor({ timeout: T })
        expect(await progress.getAttribute('aria-label')).toBe(`Downloading ${bigName}`)
      })(),
    ])
    expect(sha(readFileSync((await download.path())!))).toBe(sha(big))

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
  }, 400_000)
})
