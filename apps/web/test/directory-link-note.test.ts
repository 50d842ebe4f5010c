// "Membership follows Engineering (directory)" in the web client (docs/protocol.md §5.9): real
// server, real Chromium. The operator (owner of `default`, an SDK client) links a conversation
// with wendy to a SCIM group of `default`; wendy's "Who can read this?" says which group its
// membership follows, read from the server; an unlinked conversation's says nothing of it. axe clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import type { OrgId } from '@candor/protocol'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { conversationItem, openConversation, register } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000

describe.skipIf(!chromiumAvailable())('a directory-linked conversation in Chromium', () => {
  const w = webWorld()
  let wendy: Device
  const sdk: CandorClient[] = []
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  let linked = ''
  let other = ''

  /** Opens the conversation's "Who can read this?" and waits until this page has read its link from the server. */
  const openInfo = async (page: Page, id: string) => {
    await openConversation(page, id)
    const read = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/groups/${id}/directory-link` && r.ok(), { timeout: T })
    await page.getByTestId('who-can-read').click()
    await page.locator('#info-title').waitFor({ timeout: T })
    await read
  }

  beforeAll(async () => {
    wendy = await openDevice(w.browser, w.server.url, 'wendy')
    w.devices.push(wendy)
    await register(wendy.page, 'wendy')
    const root = await CandorClient.register(options(), 'root', 'root-device')
    sdk.push(root)
    await root.connect()
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    await w.server.server.context.store.createScimGroup({ id: 'EngineeringGrp01', org: 'default' as OrgId, displayName: 'Engineering', externalId: null, members: [], createdAt: Date.now() })
    linked = await root.createConversation(['wendy'])
    other = await root.createConversation(['wendy'])
    await root.linkToDirectory('default', linked, 'EngineeringGrp01')
    await conversationItem(wendy.page, 'root,wendy').nth(1).waitFor({ timeout: 2 * T })
  }, 120_000)

  afterAll(async () => {
    for (const c of sdk) c.close()
  })

  it('“Who can read this?” names the SCIM group the membership follows; the unlinked conversation’s does not', async () => {
    const page = wendy.page
    await openInfo(page, linked)
    const note = page.getByTestId('directory-link')
    await note.waitFor({ timeout: T })
    expect(await note.textContent()).toMatch(/^Membership follows Engineering \(directory\)/)
    expect(await note.getAttribute('data-scim-group')).toBe('EngineeringGrp01')
    await screenshot(page, 'directory-link-who-can-read')
    expect(await axeViolations(page, '“Who can read this?” of a directory-linked conversation')).toEqual([])

    await openInfo(page, other)
    expect(await page.getByTestId('directory-link').count()).toBe(0)
  })
})
