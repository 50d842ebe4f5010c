// Contact requests in the web client, end to end: real server, real Chromium. A person of
// another organisation (an SDK device) writes first; the browser user sees a request with
// Accept / Decline / Block, nothing of what was sent until accepting, then everything in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { conversationItem, message, messageTexts, register } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('contact requests in Chromium', () => {
  const w = webWorld()
  let wendy: Device
  const sdk: CandorClient[] = []
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  /** A person of `globex` on an SDK device: a stranger to wendy (organisation `default`). */
  const stranger = async (userId: string) => {
    const c = await CandorClient.register(options(), userId, `${userId}-device`, 'globex')
    sdk.push(c)
    await c.connect()
    return c
  }

  beforeAll(async () => {
    const root = await CandorClient.register(options(), 'root')
    sdk.push(root)
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    await root.admin.createOrganisation('globex', 'Globex Corporation', 'open')
    wendy = await openDevice(w.browser, w.server.url, 'wendy')
    w.devices.push(wendy)
    await register(wendy.page, 'wendy')
  }, 240_000)

  afterAll(async () => {
    for (const c of sdk) c.close()
  })

  it('a stranger’s first messages wait behind a request; Accept shows them in order', async () => {
    const sam = await stranger('sam')
    const conv = await sam.directConversation('wendy')
    await sam.send(conv, 'hi wendy, it is sam')
    await sam.send(conv, 'from globex')
    const request = wendy.page.getByTestId('contact-request').filter({ hasText: 'sam' })
    await request.waitFor({ timeout: T })
    // The count follows what sam keeps sending (the welcome that opens the conversation is not counted).
    await expect.poll(() => request.textContent(), { timeout: T }).toMatch(/sam wants to talk to you \(2 messages waiting\)/)
    // Nothing of sam's is shown yet: no conversation.
    expect(await conversationItem(wendy.page, 'sam,wendy').count()).toBe(0)
    await screenshot(wendy.page, 'contact-request')

    await request.getByRole('button', { name: 'Accept' }).click()
    await expect.poll(() => wendy.page.getByTestId('contact-request').count(), { timeout: T }).toBe(0)
    const item = conversationItem(wendy.page, 'sam,wendy')
    await item.waitFor({ timeout: T })
    await item.click()
    await message(wendy.page, 'from globex').waitFor({ timeout: T })
    expect(await messageTexts(wendy.page)).toEqual(['hi wendy, it is sam', 'from globex'])
  })

  it('Decline drops the request; Block also keeps the sender’s next conversation out', async () => {
    const spam = await stranger('spam')
    await spam.send(await spam.directConversation('wendy'), 'buy now')
    const first = wendy.page.getByTestId('contact-request').filter({ hasText: 'spam' })
    await first.waitFor({ timeout: T })
    await first.getByRole('button', { name: 'Decline' }).click()
    await expect.poll(() => first.count(), { timeout: T }).toBe(0)

    await spam.send(await spam.createConversation(['wendy']), 'buy now, again')
    const second = wendy.page.getByTestId('contact-request').filter({ hasText: 'spam' })
    await second.waitFor({ timeout: T })
    await second.getByRole('button', { name: 'Block' }).click()
    await expect.poll(() => second.count(), { timeout: T }).toBe(0)
    await spam.createConversation(['wendy'])
    await new Promise((r) => setTimeout(r, 1000))
    expect(await wendy.page.getByTestId('contact-request').count()).toBe(0)
    expect(await conversationItem(wendy.page, 'spam,wendy').count()).toBe(0)
  })
})
