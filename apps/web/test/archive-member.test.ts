// The compliance archive in the web client (docs/protocol.md §11.3), end to end: real server, real
// Chromium — three of them, one per person, so nothing is shared between their pages. The
// `default` organisation's signed policy names an archive account and requires it everywhere;
// wendy starts a conversation with pat and quinn in her browser, her client adds the archive by a
// commit, the archive (an SDK client) announces itself, and each of the three sees the line
// "Archived by Default Org, policy v1" in the timeline (the organisation's name, verified) and the archive — distinct from the people — as
// a compliance archive under "Who can read this?".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { DEFAULT_ORG_POLICY, type OrgPolicy } from '@candor/protocol'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { openConversation, register, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

/** Generous: three browsers and a server share two cores with other work. */
const T = 90_000

describe.skipIf(!chromiumAvailable())('the compliance archive in Chromium, seen by three people', () => {
  const w = webWorld()
  const browsers: Browser[] = []
  const people: Device[] = []
  const sdk: CandorClient[] = []
  let arc: CandorClient
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  const person = async (userId: string) => {
    const c = await CandorClient.register(options(), userId, `${userId}-device`)
    sdk.push(c)
    await c.connect()
    return c
  }

  beforeAll(async () => {
    // The `default` organisation's log begins with its creation, naming it (as a server that logged
    // it would): the timeline then shows its verified name, not its id (protocol.md §4.9).
    const operator = { userId: 'root' as never, role: 'operator' as const, org: 'ops', grantedBy: null, grantedAt: Date.now() }
    await w.server.server.context.audit.record('default' as never, { kind: 'admin', admin: operator }, 'org.create', 'org:default', { name: 'Default Org', signup: 'open' })
    const root = await person('root')
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    const olive = await person('olive')
    await root.admin.grant('olive', 'owner', 'default')
    arc = await person('archive')
    // The archive key the policy names must be split among the officers (docs/protocol.md §11.2): a ceremony, k = 1 of 1.
    const oscar = await person('oscar')
    await root.admin.grant('oscar', 'compliance_officer', 'default')
    const { archiveKey } = await oscar.compliance.keyCeremony('default', 1)
    const policy = { ...DEFAULT_ORG_POLICY, archive: { required: 'all', account: 'archive', archiveKey } } as unknown as OrgPolicy
    expect((await olive.admin.setPolicy('default', policy)).version).toBe(1)

    // Each person in a Chromium of their own (wendy in the world's).
    browsers.push(w.browser, await launchChromium(), await launchChromium())
    for (const [i, name] of ['wendy', 'pat', 'quinn'].entries()) {
      const d = await openDevice(browsers[i]!, w.server.url, name)
      w.devices.push(d)
      people.push(d)
      await register(d.page, name)
    }
  }, 300_000)

  afterAll(async () => {
    for (const c of sdk) c.close()
    for (const b of browsers.slice(1)) await b.close()
  })

  it('wendy starts a conversation with pat and quinn: her client adds the archive; each of the three sees it announced and listed as a compliance archive', async () => {
    const [wendy, pat, quinn] = people as [Device, Device, Device]
    const conv = await startConversation(wendy.page, 'pat, quinn')
    // Wendy's client added the archive by a commit (the policy requires it); it joins and announces itself.
    await expect.poll(() => arc.conversations().some((c) => c.id === conv), { timeout: T, interval: 500 }).toBe(true)
    await arc.archive.announce(conv, 'default', 1)

    for (const d of [wendy, pat, quinn]) {
      const page = d.page
      await openConversation(page, conv)
      await page.getByTestId('archive-notice').filter({ hasText: /^Archived by Default Org, policy v1 · / }).waitFor({ timeout: T })
      await page.getByTestId('who-can-read').click()
      const archive = page.locator('[data-testid="reader"][data-user="archive"]')
      await archive.waitFor({ timeout: T })
      await expect.poll(() => archive.getByTestId('archive-kind').textContent(), { timeout: T, interval: 500 }).toBe('Compliance archive · named by your organisation’s policy')
      // The people are shown as people, the archive is not among them.
      for (const u of ['wendy', 'pat', 'quinn']) {
        await expect.poll(() => page.locator(`[data-testid="reader"][data-user="${u}"] .kind`).textContent(), { timeout: T, interval: 500 }).toBe('Person')
      }
      await screenshot(page, `who-can-read-archive-${d.name}`)
    }
  })
})
