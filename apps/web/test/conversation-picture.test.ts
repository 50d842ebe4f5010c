// A conversation's picture in the web client (docs/protocol.md "Conversation avatars"), real
// server and Chromium: Alice chooses a picture for the group (made 128 px in her browser, sent
// inline in an encrypted `conversation` message); Bob sees it in his list and the header, with
// the line "alice changed the conversation's picture"; the thumbnail is in none of the server's
// database files or its logs.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, openDevice, screenshot } from './support/browser.ts'
import { gradientPng } from './support/png.ts'
import { openConversation, register, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('conversation pictures in the web client (Chromium)', () => {
  const w = webWorld()
  const { devices, logs } = w

  it('alice sets the group picture; bob sees it in his list and the header; the server never holds it in the clear', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => openDevice(w.browser, w.server.url, n)))
    devices.push(alice!, bob!, carol!)
    await Promise.all([register(alice!.page, 'alice'), register(bob!.page, 'bob'), register(carol!.page, 'carol')])
    const group = await startConversation(alice!.page, 'bob, carol')

    await alice!.page.getByTestId('conversation-picture-file').setInputFiles({ name: 'team.png', mimeType: 'image/png', buffer: gradientPng(900, 600) })
    await openConversation(bob!.page, group)
    await bob!.page.getByTestId('conversation-notice').filter({ hasText: "alice changed the conversation's picture" }).waitFor({ timeout: T })
    const pictures = bob!.page.getByTestId('conversation-picture')
    await pictures.first().waitFor({ timeout: T })
    // One in the list, one in the header.
    await expect.poll(() => pictures.count(), { timeout: T }).toBe(2)
    const src = await pictures.first().getAttribute('src')
    expect(src).toMatch(/^data:image\/(webp|jpeg);base64,/)
    expect(await pictures.first().evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([128, 85])
    await screenshot(bob!.page, 'conversation-picture')

    const bytes = Buffer.from(src!.split(',')[1]!, 'base64')
    const asB64url = bytes.subarray(0, 30).toString('base64url')
    const files = readdirSync(w.server.dataDir).filter((f) => f.startsWith('candor.db')).map((f) => join(w.server.dataDir, f))
    expect(files.length).toBeGreaterThan(0)
    for (const f of files) {
      const h = readFileSync(f)
      expect(h.includes(bytes.subarray(0, 48)), `${f}: thumbnail bytes`).toBe(false)
      expect(h.toString('latin1').includes(asB64url), `${f}: thumbnail base64url`).toBe(false)
    }
    expect(logs.join('').includes(asB64url)).toBe(false)
  }, 240_000)
})
