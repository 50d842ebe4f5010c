// A conversation opened by its address before this device has it: bob follows a link to
// `#/c/<id>` while his client has not yet processed the Welcome that adds him (he is offline
// when alice starts it). When it arrives, the open screen must become the conversation — its
// name, its topic and alice's first message — without a reload.
//
// Bob's page reads a conversation's history from IndexedDB slowly here (each read of a
// `history/…` log completes 3 s late, see SLOW_HISTORY_READS): the messages that arrive right
// after the Welcome are then processed while the page is still reading the new conversation's
// history, as happens by chance on a loaded machine. A page that put the read's (older) result
// over what arrived meanwhile lost the first message for good (this test fails so without the
// merge in MessageLists.mergeHistory, apps/web/src/state/message-lists.ts).
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, openDevice, screenshot } from './support/browser.ts'
import { message, register, send, startConversation, waitOnline } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000

/** In the page, before its scripts: a transaction that reads a `history/…` log reports completion 3 s late. */
const SLOW_HISTORY_READS = `(() => {
  window.slowHistoryReads = 0
  const getAll = IDBIndex.prototype.getAll
  IDBIndex.prototype.getAll = function (query, count) {
    const req = getAll.call(this, query, count)
    if (typeof query === 'string' && query.startsWith('history/')) req.transaction.slowHistoryRead = true
    return req
  }
  const complete = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete')
  Object.defineProperty(IDBTransaction.prototype, 'oncomplete', {
    configurable: true,
    get() { return complete.get.call(this) },
    set(f) {
      if (!this.slowHistoryRead || typeof f !== 'function') return complete.set.call(this, f)
      window.slowHistoryReads++
      complete.set.call(this, (e) => setTimeout(() => { window.slowHistoryReads--; f.call(this, e) }, 3000))
    },
  })
})()`

describe.skipIf(!chromiumAvailable())('opening a conversation by its address before its Welcome (Chromium)', () => {
  const w = webWorld()

  it('the conversation, its first message and its topic show once the Welcome arrives, without a reload', async () => {
    const [alice, bob] = await Promise.all([openDevice(w.browser, w.server.url, 'alice'), openDevice(w.browser, w.server.url, 'bob')])
    w.devices.push(alice, bob)
    await bob.context.addInitScript(SLOW_HISTORY_READS)
    await bob.page.reload()
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])

    // Alice's display name first, as in the canary.
    await alice.page.getByRole('link', { name: /^Settings/ }).click()
    await alice.page.getByLabel('Display name', { exact: true }).fill('Alice Early')
    await alice.page.getByRole('button', { name: 'Save name' }).click()
    await alice.page.getByRole('status').filter({ hasText: 'Others see “Alice Early (alice)”' }).waitFor({ timeout: T })

    // Bob's client is offline, so nothing alice does next reaches it yet.
    bob.allow.push(/ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed|Failed to load resource/)
    await bob.context.setOffline(true)
    await bob.page.getByTestId('offline-banner').waitFor({ timeout: T })

    const conv = await startConversation(alice.page, 'bob')
    // Bob follows a link to it (no reload: the address changes in the open page).
    await bob.page.evaluate((id) => {
      location.hash = `#/c/${encodeURIComponent(id)}`
    }, conv)
    await bob.page.getByText('This conversation is not on this device.').waitFor({ timeout: T })

    // The network comes back: the Welcome arrives, and while bob's page reads the new
    // conversation's history, alice's first message and her topic arrive.
    await bob.context.setOffline(false)
    await send(alice.page, 'the first message')
    await alice.page.getByRole('button', { name: 'Rename', exact: true }).click()
    await alice.page.getByLabel('Conversation name').fill('Early birds')
    await alice.page.getByLabel('Topic', { exact: true }).fill('what we do before breakfast')
    await alice.page.getByRole('button', { name: 'Save name', exact: true }).click()
    await alice.page.getByTestId('topic').filter({ hasText: 'what we do before breakfast' }).waitFor({ timeout: T })

    // Bob's open screen shows the conversation, its name and topic, and every message.
    await waitOnline(bob.page)
    await bob.page.locator('#conversation-title', { hasText: 'Early birds' }).waitFor({ timeout: T })
    await bob.page.getByTestId('topic').filter({ hasText: 'what we do before breakfast' }).waitFor({ timeout: T })
    await message(bob.page, 'the first message').waitFor({ timeout: T })
    await bob.page.getByTestId('conversation-notice').filter({ hasText: 'alice set the topic to “what we do before breakfast”' }).waitFor({ timeout: T })
    // And still does once every history read it started has finished (none puts an older list back).
    await expect.poll(() => bob.page.evaluate(() => (window as unknown as { slowHistoryReads: number }).slowHistoryReads), { timeout: T }).toBe(0)
    await bob.page.locator('#conversation-title', { hasText: 'Early birds' }).waitFor({ timeout: T })
    await bob.page.getByTestId('topic').filter({ hasText: 'what we do before breakfast' }).waitFor({ timeout: T })
    await message(bob.page, 'the first message').waitFor({ timeout: T })
    await bob.page.getByTestId('conversation-notice').filter({ hasText: 'alice set the topic to “what we do before breakfast”' }).waitFor({ timeout: T })
    await screenshot(bob.page, 'open-before-welcome')
  }, 240_000)
})
