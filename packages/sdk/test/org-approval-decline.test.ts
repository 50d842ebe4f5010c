// Declining a request for two-person control (POST /v1/orgs/:org/approvals/:id/decline): an admin
// who could approve it declines it, or its requester withdraws it; it ends at once — gone from the
// open list, never approved, never used — with an `approval.decline` entry in the audit trail.
// Admins whose role lacks the action, another organisation's owner and a member are refused, and
// nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, type ApprovalRequest } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let carl: CandorClient
let adam: CandorClient
let sam: CandorClient
let gus: CandorClient
let mia: CandorClient
const exportMia = { action: 'users.export', target: 'mia@acme.example', why: 'subject_request', case: 'D-1' } satisfies ApprovalRequest & { why: 'subject_request' }

beforeAll(async () => {
  o = await startOrgEnv()
  const p = (n: string) => o.person(`${n}@acme.example`, 'acme')
  ;[olive, carl, adam, sam, mia] = await Promise.all([p('olive'), p('carl'), p('adam'), p('sam'), p('mia')])
  gus = await o.person('gus@globex.example', 'globex')
  await o.root.admin.grant('olive@acme.example', 'owner')
  await o.root.admin.grant('carl@acme.example', 'compliance_officer')
  await o.root.admin.grant('adam@acme.example', 'admin')
  await o.root.admin.grant('sam@acme.example', 'support')
  await o.root.admin.grant('gus@globex.example', 'owner')
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, approvals: { required: ['users.export'], validHours: 24 } })
})
afterAll(() => o.close())

const entries = async () => (await olive.admin.audit('acme')).entries

describe('declining a request', () => {
  it('is refused to a member, to admins whose role lacks the action, and to another organisation’s owner; nothing changes', async () => {
    const a = await olive.admin.requestApproval('acme', exportMia)
    const before = (await entries()).length
    expect(await code(mia.admin.decline('acme', a.id))).toBe('forbidden')
    expect(await code(adam.admin.decline('acme', a.id))).toBe('not_found')
    expect(await code(sam.admin.decline('acme', a.id))).toBe('not_found')
    expect(await code(gus.admin.decline('acme', a.id))).toBe('not_found')
    expect(await code(gus.admin.decline('globex', a.id))).toBe('not_found')
    expect(await code(carl.admin.decline('acme', 'A'.repeat(22)))).toBe('not_found')
    expect((await olive.admin.approvals('acme')).map((x) => [x.id, x.state])).toEqual([[a.id, 'pending']])
    expect((await entries()).length).toBe(before)
  })

  it('by another admin who could take the action: it ends at once, is logged, and can be neither approved nor used', async () => {
    const [a] = await olive.admin.approvals('acme')
    await carl.admin.decline('acme', a!.id)
    expect(await olive.admin.approvals('acme')).toEqual([])
    const last = (await entries()).at(-1)!.entry
    expect([last.action, last.actor.id, last.target, last.details]).toEqual([
      'approval.decline',
      'carl@acme.example',
      `approval:${a!.id}`,
      { action: 'users.export', target: 'user:mia@acme.example', requestedBy: 'olive@acme.example', withdrawn: false },
    ])
    expect(await code(carl.admin.decline('acme', a!.id))).toBe('conflict')
    expect(await code(carl.admin.approve('acme', a!.id))).toBe('conflict')
    const use = olive.admin.exportMetadata('mia@acme.example', { why: exportMia.why, case: exportMia.case, approval: a!.id })
    expect(await code(use)).toBe('forbidden')
    expect((await entries()).at(-1)!.entry.action).toBe('approval.decline')
  })

  it('by its requester: withdrawn; a new request then goes the usual way', async () => {
    const a = await olive.admin.requestApproval('acme', exportMia)
    await olive.admin.decline('acme', a.id)
    expect((await entries()).at(-1)!.entry.details['withdrawn']).toBe(true)
    const b = await olive.admin.requestApproval('acme', exportMia)
    await carl.admin.approve('acme', b.id)
    const out = await olive.admin.exportMetadata('mia@acme.example', { why: exportMia.why, case: exportMia.case, approval: b.id })
    expect(out.userId).toBe('mia@acme.example')
  })
})
