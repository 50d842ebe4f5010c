// The compliance archive in the web client (docs/protocol.md §11.3), end to end: real server, real
// Chromium. The `default` organisation's signed policy names an archive account and requires it
// everywhere; an SDK member starts a conversation with the browser user, their client adds the
// archive by a commit, the archive announces itself, and the browser user sees the line in the
// timeline and the archive — distinct from the people — under "Who can read this?".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { DEFAULT_ORG_POLICY, type OrgPolicy } from '@candor/protocol'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { openConversation, register } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000

describe.skipIf(!chromiumAvailable())('the compliance archive in Chromium', () => {
  const w = webWorld()
  let wendy: Device
  const sdk: CandorClient[] = []
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  const person = async (userId: string) => {
    const c = await CandorClient.register(options(), userId, `${userId}-device`)
    sdk.push(c)
    await c.connect()
    return c
  }

  beforeAll(async () => {
    wendy = await openDevice(w.browser, w.server.url, 'wendy')
    w.devices.push(wendy)
    await register(wendy.page, 'wendy')
  }, 120_000)

  afterAll(async () => {
    for (const c of sdk) c.close()
  })

  it('an archive added by a member’s commit is shown as a compliance archive, with its line in the timeline', async () => {
    const root = await person('root')
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    const olive = await person('olive')
    await root.admin.grant('olive', 'owner', 'default')
    const arc = await person('archive')
    // The archive key the policy names must be split among the officers (docs/protocol.md §11.2): a ceremony, k = 1 of 1.
    const oscar = await person('oscar')
    await root.admin.grant('oscar', 'compliance_officer', 'default')
    const { archiveKey } = await oscar.compliance.keyCeremony('default', 1)
    const policy = { ...DEFAULT_ORG_POLICY, archive: { required: 'all', account: 'archive', archiveKey } } as unknown as OrgPolicy
    await olive.admin.setPolicy('default', policy)

    const conv = await olive.createConversation(['wendy'])
    expect((await olive.whoCanRead(conv)).find((r) => r.userId === 'archive')).toMatchObject({ kind: 'archive', recognised: true })
    await expect.poll(() => arc.conversations().some((c) => c.id === conv), { timeout: T }).toBe(true)
    await arc.archive.announce(conv, 'default', 1)

    await openConversation(wendy.page, conv)
    await wendy.page.getByTestId('archive-notice').filter({ hasText: 'Archived by default, policy v1' }).waitFor({ timeout: T })
    await wendy.page.getByTestId('who-can-read').click()
    const archive = wendy.page.locator('[data-testid="reader"][data-user="archive"]')
    await archive.waitFor({ timeout: T })
    await expect.poll(() => archive.getByTestId('archive-kind').textContent(), { timeout: T }).toMatch(/Compliance archive · named by your organisation’s policy/)
    // The people are shown as people.
    expect(await wendy.page.locator('[data-testid="reader"][data-user="olive"] .kind').textContent()).toBe('Person')
    await screenshot(wendy.page, 'who-can-read-archive')
  })
})
