// dataRights (docs/organisations.md "Policies"), through a real server and real clients: where
// acme's policy says `approval`, a person's own export and erasure wait for an admin's approval —
// the person is told which applies and sees their request pending; the server refuses the export
// or erasure until an admin with people.approve approves the request (two-person control's routes:
// a receipt to the person, audit entries); the approval is used up once. Where the policy says
// `allowed`, nothing waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, type UserId } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let mia: CandorClient
let sam: CandorClient
let gail: CandorClient
const receiptsOf = async (u: string) => (await o.env.server.context.store.accessLeavesOf(u as UserId, Number.MAX_SAFE_INTEGER)).length

/** The server's own answer to the export, asked directly (not through the SDK's early check). */
async function serverExport(c: CandorClient): Promise<number> {
  const r = await fetch(`${o.env.server.url}/v1/account/export`, { headers: { authorization: `Bearer ${await c.api.token()}` } })
  return r.status
}

beforeAll(async () => {
  o = await startOrgEnv()
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await o.person('mia@acme.example', 'acme')
  sam = await o.person('sam@acme.example', 'acme')
  await o.root.admin.grant('sam@acme.example', 'support')
  gail = await o.person('gail@globex.example', 'globex')
  await o.root.admin.grant('gail@globex.example', 'owner')
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, dataRights: { export: 'approval', deletion: 'approval' } })
})
afterAll(async () => o.close())

describe('dataRights', () => {
  it('the person is told which applies: approval in acme, allowed in globex', async () => {
    expect(await mia.dataRights()).toEqual({
      org: 'acme',
      requests: [],
      rights: [
        { right: 'export', state: 'none', id: null, expiresAt: null },
        { right: 'deletion', state: 'none', id: null, expiresAt: null },
      ],
    })
    expect((await gail.dataRights()).rights.map((r) => r.state)).toEqual(['allowed', 'allowed'])
    expect((await gail.exportData()).length).toBeGreaterThan(0)
  })

  it('an export waits for an admin’s approval, runs once approved, and the approval is used up', async () => {
    expect(await refusal(mia.exportData())).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/request it first/) })
    expect(await serverExport(mia)).toBe(403)
    const asked = await mia.requestDataRight('export')
    expect(asked).toMatchObject({ right: 'export', state: 'pending', id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) })
    // Asking again files nothing new.
    expect(await mia.requestDataRight('export')).toEqual(asked)
    expect((await mia.dataRights()).rights[0]).toEqual(asked)
    expect(await refusal(mia.exportData())).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/waiting/) })
    expect(await serverExport(mia)).toBe(403)
    const trail = await olive.admin.audit('acme')
    expect(trail.entries.at(-1)!.entry).toMatchObject({ action: 'data_rights.request', actor: { kind: 'person', id: 'mia@acme.example' }, target: `approval:${asked.id}`, details: { right: 'export' } })
    expect((await olive.admin.approvals('acme')).map((a) => a.id)).toContain(asked.id)

    // Refused, changing nothing: mia herself, a support admin, another organisation's owner.
    const receipts = await receiptsOf('mia@acme.example')
    expect(await code(mia.admin.approve('acme', asked.id!))).toBe('forbidden')
    expect(await code(sam.admin.approve('acme', asked.id!))).toBe('not_found')
    expect(await code(gail.admin.approve('acme', asked.id!))).toBe('not_found')
    expect(await code(gail.admin.decline('acme', asked.id!))).toBe('not_found')
    expect((await mia.dataRights()).rights[0]!.state).toBe('pending')
    expect(await receiptsOf('mia@acme.example')).toBe(receipts)

    // Olive approves: a receipt to mia; mia's export runs, once.
    expect(await olive.admin.approve('acme', asked.id!)).toMatchObject({ id: asked.id, state: 'approved', approvedBy: 'olive@acme.example' })
    expect(await receiptsOf('mia@acme.example')).toBe(receipts + 1)
    expect((await mia.dataRights()).rights[0]!.state).toBe('approved')
    const bag = await mia.exportData()
    expect(bag.some((f) => f.path === 'data/server-held.json')).toBe(true)
    expect((await mia.dataRights()).rights[0]!.state).toBe('none')
    expect(await serverExport(mia)).toBe(403)
  })

  it('an erasure waits too: nothing is left or erased until approved; a declined request ends', async () => {
    expect(await refusal(mia.deleteAccount())).toMatchObject({ code: 'forbidden' })
    expect(await o.env.server.context.store.userExists('mia@acme.example' as never)).toBe(true)
    const first = await mia.requestDataRight('deletion')
    await olive.admin.decline('acme', first.id!)
    expect((await mia.dataRights()).rights[1]!.state).toBe('none')
    expect(await refusal(mia.deleteAccount())).toMatchObject({ code: 'forbidden' })
    const second = await mia.requestDataRight('deletion')
    expect(second.id).not.toBe(first.id)
    await olive.admin.approve('acme', second.id!)
    const receipt = await mia.deleteAccount()
    expect(receipt).toBeDefined()
    expect(await o.env.server.context.store.userExists('mia@acme.example' as never)).toBe(false)
  })
})
