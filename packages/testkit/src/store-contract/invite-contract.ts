// Invite links (ports/invite-storage.ts): stored by the secret's hash, counted atomically,
// refused when unknown, expired, revoked or used up; revocable by their creator only; a per-
// person limit on live ones; erased with the account.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url, type UserId } from '@candor/protocol'
import { newUserId, registeredDevice, type StoreRef } from './fixtures.ts'

const id = () => toBase64Url(randomBytes(32))

export function inviteContract(store: StoreRef): void {
  it('counts uses up to the limit, refuses expired, revoked and unknown invites, lists the creator’s own', async () => {
    const ann = newUserId()
    const inv = () => store().invites()
    const a = id()
    expect(await inv().create({ inviteId: a, creator: ann, createdAt: 1_000, expiresAt: 10_000, maxUses: 2 }, 10)).toBe(true)
    expect(await inv().create({ inviteId: a, creator: ann, createdAt: 1_000, expiresAt: 99_000, maxUses: 9 }, 10)).toBe(false)
    expect(await inv().redeem(a, 2_000)).toMatchObject({ inviteId: a, creator: ann, uses: 1 })
    expect(await inv().redeem(a, 2_000)).toMatchObject({ uses: 2 })
    expect(await inv().redeem(a, 2_000)).toBe('used_up')
    expect(await inv().redeem(id(), 2_000)).toBe('unknown')
    expect(await inv().get(a)).toEqual({ inviteId: a, creator: ann, createdAt: 1_000, expiresAt: 10_000, maxUses: 2, uses: 2, revoked: false })
    expect(await inv().get(id())).toBeNull()
    const b = id()
    await inv().create({ inviteId: b, creator: ann, createdAt: 2_000, expiresAt: 5_000, maxUses: 5 }, 10)
    expect(await inv().redeem(b, 5_000)).toBe('expired')
    const c = id()
    await inv().create({ inviteId: c, creator: ann, createdAt: 3_000, expiresAt: 50_000, maxUses: 5 }, 10)
    expect(await inv().revoke(newUserId(), c)).toBe(false)
    expect(await inv().redeem(c, 4_000)).toMatchObject({ uses: 1 })
    expect(await inv().revoke(ann, c)).toBe(true)
    expect(await inv().redeem(c, 4_000)).toBe('revoked')
    expect((await inv().listOf(ann)).map((i) => [i.inviteId, i.uses, i.revoked])).toEqual([
      [c, 1, true],
      [b, 0, false],
      [a, 2, false],
    ])
    expect(await inv().listOf(newUserId())).toEqual([])
  })

  it('two racing redemptions of the last use: exactly one wins', async () => {
    const ann = newUserId()
    const a = id()
    await store().invites().create({ inviteId: a, creator: ann, createdAt: 1, expiresAt: Number.MAX_SAFE_INTEGER, maxUses: 1 }, 10)
    const results = await Promise.all(Array.from({ length: 5 }, () => store().invites().redeem(a, 2)))
    expect(results.filter((r) => typeof r === 'object')).toHaveLength(1)
    expect(results.filter((r) => r === 'used_up')).toHaveLength(4)
  })

  it('a person holds at most `limit` live invites; erasure takes theirs', async () => {
    const device = await registeredDevice(store())
    const ann = (await store().getDevice(device))!.userId as UserId
    for (let i = 0; i < 3; i++) expect(await store().invites().create({ inviteId: id(), creator: ann, createdAt: 10, expiresAt: 1_000, maxUses: 1 }, 3)).toBe(true)
    expect(await store().invites().create({ inviteId: id(), creator: ann, createdAt: 10, expiresAt: 1_000, maxUses: 1 }, 3)).toBe(false)
    // Expired ones do not count.
    expect(await store().invites().create({ inviteId: id(), creator: ann, createdAt: 2_000, expiresAt: 3_000, maxUses: 1 }, 3)).toBe(true)
    await store().eraseUser(ann)
    expect(await store().invites().listOf(ann)).toEqual([])
  })
}
