// Two-person control (docs/organisations.md §Two-person control): where acme's policy says so, a
// sensitive action does nothing with one admin — not even with their own "approval" — and runs,
// with its receipt, once after a second admin approved that very call; each step goes through
// the access gate (a receipt to the person) and into the audit trail; a delayed notice is
// bounded and shown to the auditors; another organisation's admin sees and approves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError, DEFAULT_ORG_POLICY, type UserId } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let erin: CandorClient
const reason = { why: 'support_request', case: 'TP-1' } as const
const receiptsOf = async (u: string) => (await o.env.server.context.store.accessLeavesOf(u as UserId, Number.MAX_SAFE_INTEGER)).length

beforeAll(async () => {
  o = await startOrgEnv()
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  erin = await o.person('erin@acme.example', 'acme')
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, approvals: { required: ['users.read', 'devices.suspend', 'notices.delay'], validHours: 24 } })
})
afterAll(async () => o.close())

describe('two-person control', () => {
  let requestId = ''

  it('with one admin nothing happens: no access without approval, no approving one’s own request', async () => {
    const before = await receiptsOf('erin@acme.example')
    const e = await olive.admin.user('erin@acme.example', reason).then(() => null, (x: unknown) => x)
    expect(e).toBeInstanceOf(CandorError)
    expect((e as CandorError).code).toBe('forbidden')
    expect(await receiptsOf('erin@acme.example')).toBe(before)
    // Not under the policy: exports (acme asked for reads, suspensions and delays only).
    expect((await olive.admin.exportMetadata('erin@acme.example', reason)).userId).toBe('erin@acme.example')

    const req = await olive.admin.requestApproval('acme', { action: 'users.read', target: 'erin@acme.example', ...reason })
    expect(req).toMatchObject({ state: 'pending', requestedBy: 'olive@acme.example', target: 'user:erin@acme.example' })
    requestId = req.id
    expect(await code(olive.admin.approve('acme', req.id))).toBe('forbidden')
    expect(await code(olive.admin.user('erin@acme.example', { ...reason, approval: req.id }))).toBe('forbidden')
    expect((await olive.admin.approvals('acme')).map((a) => [a.id, a.state])).toEqual([[req.id, 'pending']])
  })

  it('a second admin approves; the call runs once, with its receipt; only that very call', async () => {
    const adam = await o.person('adam@acme.example', 'acme')
    await olive.admin.grant('adam@acme.example', 'admin')
    // Another organisation's owner neither sees nor approves acme's requests.
    const gail = await o.person('gail@globex.example', 'globex')
    await o.root.admin.grant('gail@globex.example', 'owner')
    expect(await code(gail.admin.approvals('acme'))).toBe('not_found')
    expect(await code(gail.admin.approve('acme', requestId))).toBe('not_found')
    // An auditor may not approve an action its role may not take.
    const aude = await o.person('aude@acme.example', 'acme')
    await olive.admin.grant('aude@acme.example', 'auditor')
    expect(await code(aude.admin.approve('acme', requestId))).toBe('not_found')

    const before = await receiptsOf('erin@acme.example')
    expect(await adam.admin.approve('acme', requestId)).toMatchObject({ state: 'approved', approvedBy: 'adam@acme.example' })
    expect(await receiptsOf('erin@acme.example')).toBe(before + 1) // the approval's receipt
    // Another reason or another requester does not fit the approval.
    expect(await code(olive.admin.user('erin@acme.example', { why: 'security_investigation', case: 'TP-1', approval: requestId }))).toBe('forbidden')
    expect(await code(adam.admin.user('erin@acme.example', { ...reason, approval: requestId }))).toBe('forbidden')
    const got = await olive.admin.user('erin@acme.example', { ...reason, approval: requestId })
    expect(got.userId).toBe('erin@acme.example')
    expect(await receiptsOf('erin@acme.example')).toBe(before + 2) // and the access's
    expect(await code(olive.admin.user('erin@acme.example', { ...reason, approval: requestId }))).toBe('forbidden')
    expect(await olive.admin.approvals('acme')).toEqual([])
  })

  it('a suspension needs it too; a delayed notice is bounded (90 days) and shown to the auditors', async () => {
    const adam = o.env.clients.find((c) => c.userId === 'adam@acme.example')!
    const sus = { why: 'security_investigation', case: 'TP-2' } as const
    expect(await code(adam.admin.suspendDevice(erin.deviceId, sus))).toBe('forbidden')
    expect((await o.env.server.context.store.getDevice(erin.deviceId as never))!.status).toBe('active')
    const r = await adam.admin.requestApproval('acme', { action: 'devices.suspend', target: erin.deviceId, ...sus })
    await olive.admin.approve('acme', r.id)
    expect((await adam.admin.suspendDevice(erin.deviceId, { ...sus, approval: r.id })).status).toBe('revoked')

    const cora = await o.person('cora@acme.example', 'acme')
    await olive.admin.grant('cora@acme.example', 'compliance_officer')
    const hold = { why: 'legal_hold', case: 'LH-7', delayUntil: Date.now() + 30 * 24 * 3600_000 } as const
    expect(await code(cora.admin.requestApproval('acme', { action: 'users.read', target: 'erin@acme.example', ...hold, delayUntil: Date.now() + 91 * 24 * 3600_000 }))).toBe('bad_request')
    // An admin (no notices.delay) may not approve a delayed notice; the owner may.
    const d = await cora.admin.requestApproval('acme', { action: 'users.read', target: 'erin@acme.example', ...hold })
    expect(await code(adam.admin.approve('acme', d.id))).toBe('forbidden')
    await olive.admin.approve('acme', d.id)
    expect((await cora.admin.user('erin@acme.example', { ...hold, approval: d.id })).userId).toBe('erin@acme.example')

    const aude = o.env.clients.find((c) => c.userId === 'aude@acme.example')!
    const trail = (await aude.admin.audit('acme')).entries.map((e) => e.entry)
    const steps = trail.filter((e) => e.action.startsWith('approval.') || e.action === 'user.read' || e.action === 'device.suspend').map((e) => [e.action, e.actor.id])
    expect(steps).toEqual([
      ['approval.request', 'olive@acme.example'],
      ['approval.approve', 'adam@acme.example'],
      ['user.read', 'olive@acme.example'],
      ['approval.request', 'adam@acme.example'],
      ['approval.approve', 'olive@acme.example'],
      ['device.suspend', 'adam@acme.example'],
      ['approval.request', 'cora@acme.example'],
      ['approval.approve', 'olive@acme.example'],
      ['user.read', 'cora@acme.example'],
    ])
    const delayed = trail.filter((e) => e.action === 'user.read' && e.actor.id === 'cora@acme.example')[0]!
    expect(delayed.details).toMatchObject({ why: 'legal_hold', delayUntil: hold.delayUntil, approval: d.id })
  })
})
