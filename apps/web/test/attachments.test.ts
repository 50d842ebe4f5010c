// Files in the web client end to end: real server (blobs in its data folder), real Chromium,
// one browser context per person. Alice attaches a file (encrypted in her browser, progress on
// the message), Bob downloads it (decrypted in his, SHA-256 checked) and gets the same bytes;
// a blob changed on the server is refused in Bob's browser with the reason, and once Bob has
// the file the server deletes it (docs/protocol.md §2.4 Lifecycle).
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, openDevice, screenshot } from './support/browser.ts'
import { openConversation, register, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe.skipIf(!chromiumAvailable())('files in the web client (Chromium)', () => {
  const w = webWorld()

  it('alice attaches a file; bob downloads it, decrypted in his browser, byte for byte; a tampered blob is refused', async () => {
    const [alice, bob] = await Promise.all([openDevice(w.browser, w.server.url, 'alice'), openDevice(w.browser, w.server.url, 'bob')])
    w.devices.push(alice, bob)
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const conv = await startConversation(alice.page, 'bob')

    const bytes = randomBytes(3 * 1024 * 1024 + 11)
    // As a person does it: the Attach button opens the file chooser.
    const [chooser] = await Promise.all([alice.page.waitForEvent('filechooser', { timeout: T }), alice.page.getByRole('button', { name: 'Attach a file' }).click()])
    await chooser.setFiles({ name: 'quarterly report.pdf', mimeType: 'application/pdf', buffer: bytes })
    const mine = alice.page.getByTestId('message').filter({ has: alice.page.getByTestId('attachment') })
    // Progress is shown while it uploads, then the file with its download link.
    await alice.page.getByTestId('uploading').waitFor({ timeout: T })
    await mine.and(alice.page.locator('[data-delivery="sent"]')).waitFor({ timeout: T })
    await expect(mine.locator('.file-name').textContent()).resolves.toBe('quarterly report.pdf')
    await screenshot(alice.page, 'attachment-sent')

    // Bob's conversation list names the file as the last message.
    await bob.page.locator('.conversation-last', { hasText: 'File: quarterly report.pdf' }).waitFor({ timeout: T })
    await openConversation(bob.page, conv)
    const item = bob.page.getByTestId('attachment').filter({ hasText: 'quarterly report.pdf' })
    await item.waitFor({ timeout: T })
    await expect(item.textContent()).resolves.toMatch(/3\.0 MB/)

    // The operator flips one byte of the stored blob: Bob's browser refuses it and says why.
    const blobDir = join(w.server.dataDir, 'blobs')
    const file = readdirSync(blobDir).find((f) => f.endsWith('.blob'))!
    const original = readFileSync(join(blobDir, file))
    const stored = Buffer.from(original)
    stored[1_000_000]! ^= 1
    writeFileSync(join(blobDir, file), stored)
    await item.getByTestId('download').click()
    await item.getByTestId('download-failed').waitFor({ timeout: T })
    await expect(item.getByTestId('download-failed').textContent()).resolves.toMatch(/authentication|changed|not/i)
    // The ciphertext on the server never held the file.
    for (const f of readdirSync(blobDir)) expect(readFileSync(join(blobDir, f)).includes(bytes.subarray(0, 64))).toBe(false)

    // Put back, the same button now saves the file, byte for byte.
    writeFileSync(join(blobDir, file), original)
    const [download] = await Promise.all([bob.page.waitForEvent('download', { timeout: T }), item.getByTestId('download').click()])
    expect(download.suggestedFilename()).toBe('quarterly report.pdf')
    const saved = readFileSync((await download.path())!)
    expect(sha(saved)).toBe(sha(bytes))
    await screenshot(bob.page, 'attachment-received')
    // Bob was its one recipient: the server deleted the blob, and a second download says so.
    await expect.poll(() => existsSync(join(blobDir, file)), { timeout: T }).toBe(false)
    bob.allow.push(/status of 404/) // the browser logs the server's answer for the deleted blob
    await item.getByTestId('download').click()
    await item.getByTestId('download-failed').filter({ hasText: 'no longer on the server' }).waitFor({ timeout: T })
  }, 180_000)
})
