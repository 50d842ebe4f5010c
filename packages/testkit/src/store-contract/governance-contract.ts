// An organisation's governance records (docs/organisations.md) on every adapter: its audit log's
// leaves, SIEM settings, two-person approvals and policy versions.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url, type OrgId, type UserId } from '@candor/protocol'
import type { ApprovalRecord } from '@candor/ports'
import { newUserId, type StoreRef } from './fixtures.ts'

const orgId = () => `g${toBase64Url(randomBytes(6)).toLowerCase().replace(/[^a-z0-9]/g, 'x')}` as OrgId

export function governanceContract(store: StoreRef): void {
  it('appends audit leaves per organisation from 0, with no gaps, and reads them back', async () => {
    const [a, b] = [orgId(), orgId()]
    for (const o of [a, b]) await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const g = store().governance()
    const leaves = await Promise.all([1, 2, 3].map((i) => g.appendAuditLeaf(a, new Uint8Array([i]), new Uint8Array(32).fill(i), 10 + i)))
    expect(leaves.sort()).toEqual([0, 1, 2])
    expect(await g.appendAuditLeaf(b, new Uint8Array([9]), new Uint8Array(32).fill(9), 5)).toBe(0)
    expect(await g.auditLeafHashes(a, 1, 10)).toHaveLength(2)
    const read = await g.auditLeaves(a, 0, 2)
    expect(read.map((l) => l.index)).toEqual([0, 1])
    expect((await g.auditLeaves(b, 0, 10)).map((l) => [...l.entry])).toEqual([[9]])
  })

  it('keeps SIEM settings of an existing organisation only', async () => {
    const o = orgId()
    const g = store().governance()
    expect(await g.setSiemConfig(o, '{}', 1)).toBe(false)
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    expect(await g.getSiemConfig(o)).toBeNull()
    expect(await g.setSiemConfig(o, '{"a":1}', 2)).toBe(true)
    expect(await g.getSiemConfig(o)).toBe('{"a":1}')
    expect(await g.setSiemConfig(o, null, 3)).toBe(true)
    expect(await g.getSiemConfig(o)).toBeNull()
  })

  it('approves a request once, by another admin, before it expires; executes it once', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const g = store().governance()
    const [asker, other] = [newUserId(), newUserId()]
    const rec: ApprovalRecord = {
      id: 'r1', org: o, action: 'users.read', target: 'user:x', reason: '{}', requestedBy: asker, requestedAt: 100, expiresAt: 1000,
      state: 'pending', approvedBy: null, approvedAt: null, executedAt: null,
    }
    expect(await g.createApproval(rec)).toBe(true)
    expect(await g.createApproval(rec)).toBe(false)
    expect(await g.createApproval({ ...rec, id: 'r2', expiresAt: 150 })).toBe(true)
    expect(await g.markExecuted(o, 'r1', 200)).toBe(false)
    expect(await g.approve(o, 'r1', asker, 200)).toBe('same_admin')
    expect(await g.approve(o, 'nope', other, 200)).toBe('not_found')
    expect(await g.approve(o, 'r2', other, 200)).toBe('not_pending')
    expect((await g.openApprovals(o, 200)).map((r) => r.id)).toEqual(['r1'])
    expect(await g.approve(o, 'r1', other, 200)).toBe('approved')
    expect(await g.approve(o, 'r1', 'third' as UserId, 201)).toBe('not_pending')
    expect(await g.getApproval(o, 'r1')).toMatchObject({ state: 'approved', approvedBy: other, approvedAt: 200 })
    expect(await g.markExecuted(o, 'r1', 300)).toBe(true)
    expect(await g.markExecuted(o, 'r1', 301)).toBe(false)
    expect(await g.openApprovals(o, 300)).toEqual([])
  })

  it('declines a pending request once: it leaves the open list and can be neither approved nor used', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const g = store().governance()
    const [asker, other] = [newUserId(), newUserId()]
    const rec: ApprovalRecord = {
      id: 'd1', org: o, action: 'devices.suspend', target: 'device:x', reason: '{}', requestedBy: asker, requestedAt: 100, expiresAt: 1000,
      state: 'pending', approvedBy: null, approvedAt: null, executedAt: null,
    }
    expect(await g.createApproval(rec)).toBe(true)
    expect(await g.createApproval({ ...rec, id: 'd2' })).toBe(true)
    expect(await g.createApproval({ ...rec, id: 'd3', expiresAt: 150 })).toBe(true)
    expect(await g.decline(o, 'nope', 200)).toBe(false)
    expect(await g.decline(o, 'd3', 200)).toBe(false)
    expect(await g.approve(o, 'd2', other, 200)).toBe('approved')
    expect(await g.decline(o, 'd2', 201)).toBe(false)
    expect(await g.decline(o, 'd1', 202)).toBe(true)
    expect(await g.decline(o, 'd1', 203)).toBe(false)
    expect((await g.openApprovals(o, 204)).map((r) => r.id)).toEqual(['d2'])
    expect(await g.approve(o, 'd1', other, 204)).toBe('not_pending')
    expect(await g.getApproval(o, 'd1')).toMatchObject({ state: 'pending', expiresAt: 202, approvedBy: null })
    // Another organisation's request of the same id is not touched.
    const o2 = orgId()
    await store().createOrganisation({ id: o2, name: 'Org 2', signup: 'closed', createdAt: 1 })
    expect(await g.createApproval({ ...rec, org: o2 })).toBe(true)
    expect(await g.decline(o, 'd1', 205)).toBe(false)
    expect(await g.getApproval(o2, 'd1')).toMatchObject({ expiresAt: 1000 })
  })

  it('withdraws a pending request once, stored as withdrawn; lists a requester\'s own requests by action, newest first', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const g = store().governance()
    const [asker, other] = [newUserId(), newUserId()]
    const rec: ApprovalRecord = {
      id: 'w1', org: o, action: 'data.export', target: `user:${asker}`, reason: '{}', requestedBy: asker, requestedAt: 100, expiresAt: 1000,
      state: 'pending', approvedBy: null, approvedAt: null, executedAt: null,
    }
    expect(await g.createApproval(rec)).toBe(true)
    expect(await g.createApproval({ ...rec, id: 'w2', action: 'data.deletion', requestedAt: 101 })).toBe(true)
    expect(await g.createApproval({ ...rec, id: 'w3', requestedAt: 102, expiresAt: 150 })).toBe(true)
    expect(await g.createApproval({ ...rec, id: 'w4', action: 'users.read', requestedAt: 103 })).toBe(true)
    expect(await g.createApproval({ ...rec, id: 'w5', requestedBy: other, requestedAt: 104 })).toBe(true)
    expect(await g.approve(o, 'w2', other, 200)).toBe('approved')
    expect(await g.withdraw(o, 'nope', 200)).toBe(false)
    expect(await g.withdraw(o, 'w3', 200)).toBe(false) // expired
    expect(await g.withdraw(o, 'w2', 200)).toBe(false) // approved
    expect(await g.withdraw(o, 'w1', 201)).toBe(true)
    expect(await g.withdraw(o, 'w1', 202)).toBe(false)
    expect(await g.getApproval(o, 'w1')).toMatchObject({ state: 'withdrawn', expiresAt: 201, approvedBy: null })
    expect(await g.approve(o, 'w1', other, 203)).toBe('not_pending')
    expect(await g.markExecuted(o, 'w1', 203)).toBe(false)
    expect((await g.openApprovals(o, 203)).map((r) => r.id)).toEqual(['w2', 'w4', 'w5'])
    const mine = await g.approvalsRequestedBy(o, asker, 'data.', 10)
    expect(mine.map((r) => [r.id, r.state])).toEqual([['w3', 'pending'], ['w2', 'approved'], ['w1', 'withdrawn']])
    expect((await g.approvalsRequestedBy(o, asker, 'data.', 2)).map((r) => r.id)).toEqual(['w3', 'w2'])
    // Another organisation's request of the same id is not touched, nor listed.
    const o2 = orgId()
    await store().createOrganisation({ id: o2, name: 'Org 2', signup: 'closed', createdAt: 1 })
    expect(await g.createApproval({ ...rec, org: o2, id: 'w6' })).toBe(true)
    expect(await g.withdraw(o, 'w6', 205)).toBe(false)
    expect(await g.getApproval(o2, 'w6')).toMatchObject({ state: 'pending', expiresAt: 1000 })
    expect((await g.approvalsRequestedBy(o2, asker, 'data.', 10)).map((r) => r.id)).toEqual(['w6'])
  })

  it('appends policy versions in order only', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const g = store().governance()
    const by = newUserId()
    expect(await g.policyVersion(o, null)).toBeNull()
    expect(await g.appendPolicyVersion({ org: o, version: 2, note: 'n', auditIndex: 0, createdBy: by, createdAt: 1 })).toBe(false)
    expect(await g.appendPolicyVersion({ org: o, version: 1, note: 'one', auditIndex: 0, createdBy: by, createdAt: 1 })).toBe(true)
    expect(await g.appendPolicyVersion({ org: o, version: 1, note: 'again', auditIndex: 1, createdBy: by, createdAt: 2 })).toBe(false)
    expect(await g.appendPolicyVersion({ org: o, version: 2, note: 'two', auditIndex: 3, createdBy: by, createdAt: 3 })).toBe(true)
    expect(await g.policyVersion(o, null)).toMatchObject({ version: 2, note: 'two', auditIndex: 3 })
    expect(await g.policyVersion(o, 1)).toMatchObject({ version: 1, note: 'one' })
    expect(await g.policyVersion(o, 3)).toBeNull()
  })
}
