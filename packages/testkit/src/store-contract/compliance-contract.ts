// An organisation's compliance records (docs/compliance.md) on every adapter: archive key versions
// with their sealed shares, unlock requests and one approval per officer, legal holds.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url, type DeviceId, type OrgId, type UserId } from '@candor/protocol'
import type { ArchiveKeyVersionRecord, LegalHoldRecord, UnlockRequestRecord } from '@candor/ports'
import { newUserId, type StoreRef } from './fixtures.ts'

const orgId = () => `c${toBase64Url(randomBytes(6)).toLowerCase().replace(/[^a-z0-9]/g, 'x')}` as OrgId
const dev = (s: string) => s as DeviceId

export function complianceContract(store: StoreRef): void {
  it('appends archive key versions only as latest + 1, with their shares', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const c = store().compliance()
    const [a, b] = [newUserId(), newUserId()]
    const v1: ArchiveKeyVersionRecord = { org: o, version: 1, k: 2, n: 2, record: '{"v":1}', createdBy: a, createdAt: 10, auditIndex: 3 }
    const shares = [
      { org: o, version: 1, device: dev('d-b'), user: b, sealed: '{"s":2}' },
      { org: o, version: 1, device: dev('d-a'), user: a, sealed: '{"s":1}' },
    ]
    expect(await c.archiveKey(o, null)).toBeNull()
    expect(await c.appendArchiveKey({ ...v1, version: 2 }, shares)).toBe(false)
    expect(await c.appendArchiveKey(v1, shares)).toBe(true)
    expect(await c.appendArchiveKey(v1, [])).toBe(false)
    expect(await c.appendArchiveKey({ ...v1, version: 2, k: 1, n: 1 }, [{ ...shares[1]!, version: 2 }])).toBe(true)
    expect(await c.archiveKey(o, null)).toMatchObject({ version: 2, k: 1, n: 1 })
    expect(await c.archiveKey(o, 1)).toEqual(v1)
    expect((await c.officerShares(o, 1)).map((s) => [s.device, s.user, s.sealed])).toEqual([['d-a', a, '{"s":1}'], ['d-b', b, '{"s":2}']])
    expect(await c.officerShares(o, 2)).toHaveLength(1)
    expect(await c.officerShares(o, 3)).toEqual([])
    expect(await c.dropOfficerShares(o, 2)).toBe(2)
    expect(await c.officerShares(o, 1)).toEqual([])
    expect(await c.officerShares(o, 2)).toHaveLength(1)
  })

  it('keeps one approval per officer of a pending request; settles a request once', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const c = store().compliance()
    const [asker, x, y] = [newUserId(), newUserId(), newUserId()]
    const rec: UnlockRequestRecord = { org: o, id: 'u1', request: '{}', requestedBy: asker, requestedAt: 100, expiresAt: 1000, state: 'pending', openedAt: null }
    expect(await c.createUnlock(rec)).toBe(true)
    expect(await c.createUnlock(rec)).toBe(false)
    expect(await c.createUnlock({ ...rec, id: 'u2', requestedAt: 200 })).toBe(true)
    expect((await c.listUnlocks(o, 10)).map((r) => r.id)).toEqual(['u2', 'u1'])
    expect(await c.addUnlockApproval({ org: o, request: 'u1', user: x, device: dev('dx'), approval: 'first', at: 110 })).toBe('added')
    expect(await c.addUnlockApproval({ org: o, request: 'u1', user: x, device: dev('dx2'), approval: 'second', at: 111 })).toBe('duplicate')
    expect(await c.addUnlockApproval({ org: o, request: 'nope', user: y, device: dev('dy'), approval: 'a', at: 112 })).toBe('not_pending')
    expect(await c.addUnlockApproval({ org: o, request: 'u1', user: y, device: dev('dy'), approval: 'a', at: 112 })).toBe('added')
    expect((await c.unlockApprovals(o, 'u1')).map((a) => [a.user, a.approval])).toEqual([[x, 'first'], [y, 'a']])
    expect(await c.settleUnlock(o, 'u1', 'opened', 120)).toBe(true)
    expect(await c.settleUnlock(o, 'u1', 'withdrawn', 121)).toBe(false)
    expect(await c.getUnlock(o, 'u1')).toMatchObject({ state: 'opened', openedAt: 120 })
    expect(await c.addUnlockApproval({ org: o, request: 'u1', user: asker, device: dev('dz'), approval: 'late', at: 130 })).toBe('not_pending')
    expect(await c.getUnlock(orgId(), 'u1')).toBeNull()
  })

  it('places and releases legal holds; finds the active ones on a target in any organisation', async () => {
    const o = orgId()
    await store().createOrganisation({ id: o, name: 'Org', signup: 'closed', createdAt: 1 })
    const c = store().compliance()
    const officer = newUserId()
    const target = `user:${newUserId()}`
    const h: LegalHoldRecord = { org: o, id: 'h1', target, hold: '{}', placedBy: officer, placedAt: 5, releasedAt: null, releasedBy: null }
    expect(await c.placeHold(h)).toBe(true)
    expect(await c.placeHold(h)).toBe(false)
    expect(await c.placeHold({ ...h, id: 'h2', target: 'conversation:g1', placedAt: 6 })).toBe(true)
    expect((await c.activeHoldsOn([target, 'conversation:nope'])).map((x) => x.id)).toEqual(['h1'])
    expect(await c.activeHoldsOn([])).toEqual([])
    expect(await c.releaseHold(o, 'h1', officer as UserId, 9)).toBe(true)
    expect(await c.releaseHold(o, 'h1', officer as UserId, 10)).toBe(false)
    expect(await c.activeHoldsOn([target])).toEqual([])
    expect((await c.holdsOf(o, false)).map((x) => x.id)).toEqual(['h2'])
    expect((await c.holdsOf(o, true)).map((x) => [x.id, x.releasedAt])).toEqual([['h1', 9], ['h2', null]])
    expect(await c.getHold(o, 'h1')).toMatchObject({ releasedBy: officer, releasedAt: 9 })
  })
}
