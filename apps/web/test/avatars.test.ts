// People's pictures in the web client (docs/protocol.md §2 Avatars), real server and Chromium:
// Alice chooses a picture in Settings (made smaller in her browser), Bob sees it next to her
// name in their group; the settings screen passes axe-core's WCAG 2.1 AA rules; the picture's
// thumbnail is in none of the server's database files, its blob folder or its logs.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot } from './support/browser.ts'
import { gradientPng } from './support/png.ts'
import { openConversation, register, send, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('avatars in the web client (Chromium)', () => {
  const w = webWorld()
  const { devices, logs } = w

  it('alice sets a picture; bob sees it beside her name in their group; the server never holds it in the clear', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => openDevice(w.browser, w.server.url, n)))
    devices.push(alice!, bob!, carol!)
    await Promise.all([register(alice!.page, 'alice'), register(bob!.page, 'bob'), register(carol!.page, 'carol')])
    const group = await startConversation(alice!.page, 'bob, carol')
    await send(alice!.page, 'hello with a face')

    await alice!.page.getByRole('link', { name: /^Settings/ }).click()
    await alice!.page.getByTestId('avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: gradientPng(900, 600) })
    await alice!.page.getByRole('status').filter({ hasText: 'Saved. Your conversations show your new picture.' }).waitFor({ timeout: T })
    const own = alice!.page.getByTestId('own-avatar')
    await own.waitFor({ timeout: T })
    expect(await own.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([128, 85])
    const violations = await axeViolations(alice!.page, 'settings with a picture')
    expect(violations).toEqual([])
    await screenshot(alice!.page, 'avatar-settings')

    await openConversation(bob!.page, group)
    const face = bob!.page.locator('[data-testid="avatar"][data-user="alice"]').first()
    await face.waitFor({ timeout: T })
    const src = await face.getAttribute('src')
    expect(src).toMatch(/^data:image\/(webp|jpeg);base64,/)
    expect(await face.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(128)
    await screenshot(bob!.page, 'avatar-in-group')

    // Canary: the thumbnail (as bytes and as the base64 the message carries) is nowhere on the w.server.
    const bytes = Buffer.from(src!.split(',')[1]!, 'base64')
    const asB64url = bytes.subarray(0, 30).toString('base64url')
    const files = [
      ...readdirSync(w.server.dataDir).filter((f) => f.startsWith('candor.db')).map((f) => join(w.server.dataDir, f)),
      ...readdirSync(join(w.server.dataDir, 'blobs')).map((f) => join(w.server.dataDir, 'blobs', f)),
    ]
    expect(files.some((f) => f.endsWith('.blob'))).toBe(true)
    for (const f of files) {
      const h = readFileSync(f)
      expect(h.includes(bytes.subarray(0, 48)), `${f}: thumbnail bytes`).toBe(false)
      expect(h.toString('latin1').includes(asB64url), `${f}: thumbnail base64url`).toBe(false)
    }
    expect(logs.join('').includes(asB64url)).toBe(false)
  }, 240_000)
})
