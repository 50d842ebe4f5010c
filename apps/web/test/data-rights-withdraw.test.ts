// Settings → Your data → "Your requests" (docs/protocol.md §4.10 `dataRights`), in Chromium
// against a real server and real SDK clients: the `default` organisation's policy puts export and
// deletion under an admin's approval. Mia is told so, asks for an export's approval, and the
// owner cannot withdraw her request (not found); mia withdraws it — it ends, audited. A request an
// admin approved meanwhile cannot be withdrawn: the server's refusal is shown plainly and nothing
// changes. axe-core's WCAG 2.1 AA rules run on each state of the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { CandorError, DEFAULT_ORG_POLICY, type OrgId } from '@candor/protocol'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { register } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000

describe.skipIf(!chromiumAvailable())('Settings → Your data → Your requests', () => {
  const w = webWorld()
  let mia: Device
  let root: CandorClient
  let olive: CandorClient
  const sdk: CandorClient[] = []
  const violations: string[] = []
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  const person = async (userId: string) => {
    const c = await CandorClient.register(options(), userId, `${userId}-device`)
    sdk.push(c)
    return c
  }
  const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof CandorError ? e.code : String(e)))
  const stored = (id: string) => w.server.server.context.store.governance().getApproval('default' as OrgId, id)
  /** Mia's open request for a right, as the admins see it. */
  const requestOf = async (action: string) => (await root.admin.approvals('default')).find((a) => a.action === action && a.requestedBy === 'mia')
  const row = (right: string) => mia.page.locator(`[data-testid="data-right"][data-right="${right}"]`)
  const axe = async (screen: string) => {
    const found = await axeViolations(mia.page, screen)
    if (found.length > 0) console.warn(found.join('\n'))
    violations.push(...found)
  }

  beforeAll(async () => {
    mia = await openDevice(w.browser, w.server.url, 'mia')
    w.devices.push(mia)
    mia.allow.push(/status of 409/) // the refusal the test provokes shows as a failed load
    await register(mia.page, 'mia')
    root = await person('root')
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    olive = await person('olive')
    await root.admin.grant('olive', 'owner', 'default')
    await root.admin.setPolicy('default', { ...DEFAULT_ORG_POLICY, dataRights: { export: 'approval', deletion: 'approval' } })
  }, 120_000)

  afterAll(() => {
    for (const c of sdk) c.close()
  })

  it('mia is told both need an approval, asks for an export’s, and withdraws it; the owner cannot', async () => {
    const p = mia.page
    await p.getByRole('link', { name: /^Settings/ }).click()
    const section = p.getByRole('region', { name: 'Your requests' })
    await section.waitFor({ timeout: T })
    await row('export').and(p.locator('[data-state="none"]')).waitFor({ timeout: T })
    expect(await row('deletion').getAttribute('data-state')).toBe('none')
    expect(await row('export').textContent()).toContain('Needs an admin’s approval first. You have not asked.')
    await axe('your requests (none asked)')

    await section.getByRole('button', { name: 'Ask for approval of your export' }).click()
    await row('export').and(p.locator('[data-state="pending"]')).waitFor({ timeout: T })
    expect(await row('export').textContent()).toMatch(/Your request is waiting for it/)
    await section.getByRole('status').filter({ hasText: 'You asked for an admin’s approval of your export.' }).waitFor({ timeout: T })
    const asked = await requestOf('data.export')
    expect(asked).toBeDefined()
    await axe('your requests (export pending)')
    await section.scrollIntoViewIfNeeded()
    await screenshot(p, 'settings-your-requests')

    // The owner (anyone else) cannot withdraw it: not found, nothing changed.
    const trail = (await root.admin.audit('default')).entries.length
    expect(await codeOf(olive.withdrawDataRight(asked!.id))).toBe('not_found')
    expect((await stored(asked!.id))!.state).toBe('pending')
    expect((await root.admin.audit('default')).entries.length).toBe(trail)

    await section.getByRole('button', { name: 'Withdraw your export request' }).click()
    await section.getByRole('status').filter({ hasText: 'You withdrew your export request. Nothing will be done with it.' }).waitFor({ timeout: T })
    await row('export').and(p.locator('[data-state="none"]')).waitFor({ timeout: T })
    expect(await requestOf('data.export')).toBeUndefined()
    const entries = (await root.admin.audit('default')).entries
    expect(entries.length).toBe(trail + 1)
    expect(entries.at(-1)!.entry).toMatchObject({ action: 'data_rights.withdraw', actor: { kind: 'person', id: 'mia' }, target: `approval:${asked!.id}`, details: { right: 'export' } })
    // Stored as withdrawn, and listed so among her requests.
    expect((await stored(asked!.id))!.state).toBe('withdrawn')
    const listed = section.locator(`[data-testid="data-right-request"][data-id="${asked!.id}"]`)
    await listed.and(p.locator('[data-state="withdrawn"]')).waitFor({ timeout: T })
    expect(await listed.textContent()).toMatch(/^Export of your data, asked .*withdrawn.*you withdrew it .*; nothing was done with it$/)
    await axe('your requests (export withdrawn)')
  }, 120_000)

  it('a request an admin approved meanwhile is not withdrawn: the refusal is shown plainly, nothing changes', async () => {
    const p = mia.page
    const section = p.getByRole('region', { name: 'Your requests' })
    await section.getByRole('button', { name: 'Ask for approval of your deletion' }).click()
    await row('deletion').and(p.locator('[data-state="pending"]')).waitFor({ timeout: T })
    const asked = await requestOf('data.deletion')
    await root.admin.approve('default', asked!.id)
    const trail = (await root.admin.audit('default')).entries.length

    // The screen still shows it pending; the server refuses the withdrawal.
    await section.getByRole('button', { name: 'Withdraw your deletion request' }).click()
    await section.getByRole('alert').filter({ hasText: 'This request can no longer be withdrawn: it was approved. Nothing was changed.' }).waitFor({ timeout: T })
    await row('deletion').and(p.locator('[data-state="approved"]')).waitFor({ timeout: T })
    expect(await row('deletion').textContent()).toMatch(/Approved: you may go ahead once/)
    expect((await stored(asked!.id))!.state).toBe('approved')
    expect((await root.admin.audit('default')).entries.length).toBe(trail)
    await axe('your requests (withdrawal refused)')
  }, 120_000)

  it('every state of the screen passes axe-core’s WCAG 2.1 AA rules', () => {
    expect(violations).toEqual([])
  })
})
