// The access log's rows: gap-free indexes even under concurrent appends, leaf hashes in
// order, and a subject sees only their own leaves once visible.
import { expect, it } from 'vitest'
import { randomBytes } from '@candor/protocol'
import { newUserId, type StoreRef } from './fixtures.ts'
import type { NewAccessLeaf } from '../store.ts'

function leaf(subject = newUserId(), visibleAt = 1_000): NewAccessLeaf {
  return { subject, leafHash: randomBytes(32), envelope: randomBytes(100), loggedAt: 1_000, visibleAt }
}

export function accessLogContract(store: StoreRef): void {
  it('numbers leaves 0, 1, 2, … without gaps under concurrent appends, hashes in order', async () => {
    const batch = Array.from({ length: 20 }, () => leaf())
    const indexes = await Promise.all(batch.map((l) => store().appendAccessLeaf(l)))
    const sorted = [...indexes].sort((a, b) => a - b)
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBe(sorted[i - 1]! + 1)
    const hashes = await store().accessLeafHashes(sorted[0]!, 20)
    expect(hashes).toHaveLength(20)
    batch.forEach((l, i) => expect(hashes[indexes[i]! - sorted[0]!]).toEqual(l.leafHash))
    if (sorted[0]! > 0) expect(await store().accessLeafHashes(0, 1)).toHaveLength(1)
  })

  it("hands a subject only their own leaves, and delayed ones only from their date", async () => {
    const subject = newUserId()
    const now = leaf(subject, 1_000)
    const later = leaf(subject, 5_000)
    const i1 = await store().appendAccessLeaf(now)
    await store().appendAccessLeaf(leaf())
    const i2 = await store().appendAccessLeaf(later)
    const at2000 = await store().accessLeavesOf(subject, 2_000)
    expect(at2000.map((l) => l.index)).toEqual([i1])
    expect(at2000[0]!.envelope).toEqual(now.envelope)
    expect(at2000[0]!.leafHash).toEqual(now.leafHash)
    expect((await store().accessLeavesOf(subject, 5_000)).map((l) => l.index)).toEqual([i1, i2])
    expect(await store().accessLeavesOf(newUserId(), 9_999)).toEqual([])
  })
}

export function adminContract(store: StoreRef): void {
  it('adds an administrator once and reads them back', async () => {
    const userId = newUserId()
    const before = await store().countAdmins()
    expect(await store().getAdmin(userId)).toBeNull()
    const rec = { userId, role: 'operator' as const, org: 'acme', grantedBy: null, grantedAt: 1234 }
    expect(await store().addAdmin(rec)).toBe(true)
    expect(await store().addAdmin({ ...rec, role: 'support' })).toBe(false)
    expect(await store().getAdmin(userId)).toEqual(rec)
    expect(await store().countAdmins()).toBe(before + 1)
    const second = { userId: newUserId(), role: 'support' as const, org: 'acme', grantedBy: userId, grantedAt: 1235 }
    await store().addAdmin(second)
    expect(await store().getAdmin(second.userId)).toEqual(second)
  })
}
