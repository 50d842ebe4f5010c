// Post-quantum by default in the browser (docs/protocol.md §5.0), real server and Chromium: the
// web client's WebCrypto provider makes a new conversation in the X-Wing suite, the other side
// joins and reads in it, and "Who can read this?" names the suite on both sides.
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, openDevice, screenshot } from './support/browser.ts'
import { message, openConversation, register, send, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('post-quantum conversations in the web client (Chromium)', () => {
  const w = webWorld()
  const { devices } = w

  it('a new conversation is post-quantum; both sides read it and see the suite in “Who can read this?”', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((n) => openDevice(w.browser, w.server.url, n)))
    devices.push(alice!, bob!)
    await Promise.all([register(alice!.page, 'alice'), register(bob!.page, 'bob')])
    const id = await startConversation(alice!.page, 'bob')
    await send(alice!.page, 'sealed with X-Wing')
    await openConversation(bob!.page, id)
    await message(bob!.page, 'sealed with X-Wing').waitFor({ timeout: T })
    await send(bob!.page, 'read in Chromium')
    await message(alice!.page, 'read in Chromium').waitFor({ timeout: T })

    for (const d of [alice!, bob!]) {
      await d.page.getByTestId('who-can-read').click()
      const suite = d.page.getByTestId('suite')
      await suite.waitFor({ timeout: T })
      expect(await suite.getAttribute('data-suite-id')).toBe('83')
      expect(await suite.textContent()).toMatch(/Encryption: post-quantum \(X-Wing \+ X25519, provisional suite 83\)/)
    }
    await screenshot(alice!.page, 'who-can-read-post-quantum')
  }, 240_000)
})
