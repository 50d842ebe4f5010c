// Contract: enrolment requests (filed without a session, so bounded by the store itself) and
// witness cosignatures (each witness's newest, shared by every node).
import { expect, it } from 'vitest'
import { newDeviceId, randomBytes, toBase64Url, type DeviceId, type UserId } from '@candor/protocol'
import type { EnrolmentRecord, WitnessCosignatureRecord } from '@candor/ports'
import { deviceRecord, expectCandorError, newUserId, type StoreRef } from './fixtures.ts'

const TTL = 600_000

function request(userId: UserId, now: number, name = `laptop ${toBase64Url(randomBytes(3))}`): EnrolmentRecord {
  return { deviceId: newDeviceId(), userId, name, publicKey: randomBytes(32), createdAt: now, expiresAt: now + TTL }
}

async function newUser(store: StoreRef): Promise<{ userId: UserId; first: DeviceId }> {
  const userId = newUserId()
  const d = deviceRecord(userId)
  await store().createUser(userId, d)
  return { userId, first: d.deviceId }
}

const ids = (rs: readonly EnrolmentRecord[]) => rs.map((r) => r.deviceId)

export function enrolmentContract(store: StoreRef): void {
  it('keeps a request apart from the devices until it is approved', async () => {
    const { userId, first } = await newUser(store)
    const now = Date.now()
    const r = request(userId, now)
    expect(await store().fileEnrolment(r, 3, now)).toEqual({ dropped: [] })
    expect(await store().listEnrolments(userId, now)).toEqual([r])
    expect(await store().getEnrolment(r.deviceId, now)).toEqual(r)
    expect(await store().getDevice(r.deviceId)).toBeNull()
    expect((await store().listDevices(userId)).map((d) => d.deviceId)).toEqual([first])
  })

  it('hides a request once it expired, cannot approve it, and deletes it on the next filing', async () => {
    const { userId, first } = await newUser(store)
    const now = 1_000_000
    const r = request(userId, now)
    await store().fileEnrolment(r, 3, now)
    const later = now + TTL
    expect(await store().listEnrolments(userId, later)).toEqual([])
    expect(await store().getEnrolment(r.deviceId, later)).toBeNull()
    expect(await store().approveEnrolment(r.deviceId, userId, { by: first, signature: randomBytes(64) }, later, 20)).toBeNull()
    expect(await store().getDevice(r.deviceId)).toBeNull()
    // Still there for a clock before its expiry, until a filing sweeps it away.
    expect(ids(await store().listEnrolments(userId, now))).toEqual([r.deviceId])
    const other = await newUser(store)
    await store().fileEnrolment(request(other.userId, later), 3, later)
    expect(await store().listEnrolments(userId, now)).toEqual([])
  })

  it('keeps at most maxPending requests per user, dropping the oldest filed', async () => {
    const { userId } = await newUser(store)
    const other = await newUser(store)
    const now = Date.now()
    const [a, b, c, d] = [0, 1, 2, 3].map(() => request(userId, now))
    const theirs = request(other.userId, now)
    await store().fileEnrolment(theirs, 3, now)
    for (const r of [a, b, c]) expect(await store().fileEnrolment(r!, 3, now)).toEqual({ dropped: [] })
    expect(await store().fileEnrolment(d!, 3, now)).toEqual({ dropped: [a!.deviceId] })
    expect(ids(await store().listEnrolments(userId, now))).toEqual([b, c, d].map((r) => r!.deviceId))
    expect(ids(await store().listEnrolments(other.userId, now))).toEqual([theirs.deviceId])
  })

  it('replaces an earlier request of the same key: it becomes the newest, nothing else is dropped', async () => {
    const { userId } = await newUser(store)
    const now = Date.now()
    const [a, b, c] = [0, 1, 2].map(() => request(userId, now))
    for (const r of [a, b, c]) await store().fileEnrolment(r!, 3, now)
    const again = { ...a!, name: 'renamed', createdAt: now + 5, expiresAt: now + 5 + TTL }
    expect(await store().fileEnrolment(again, 3, now + 5)).toEqual({ dropped: [] })
    expect(await store().listEnrolments(userId, now + 5)).toEqual([b, c, again])
  })

  it('refuses a key that is already a device, and a user that does not exist, changing nothing', async () => {
    const { userId } = await newUser(store)
    const now = Date.now()
    const existing = (await store().listDevices(userId))[0]!
    const same = { ...request(userId, now), deviceId: existing.deviceId, publicKey: existing.publicKey }
    await expectCandorError(store().fileEnrolment(same, 3, now), 'conflict')
    const sameKeyOtherId = { ...request(userId, now), publicKey: existing.publicKey }
    await expectCandorError(store().fileEnrolment(sameKeyOtherId, 3, now), 'conflict')
    expect(await store().listEnrolments(userId, now)).toEqual([])
    const nobody = newUserId()
    await expectCandorError(store().fileEnrolment(request(nobody, now), 3, now), 'unknown_user')
    expect(await store().listEnrolments(nobody, now)).toEqual([])
  })

  it('approves a request into an active device with its attestation, once, and only for its user', async () => {
    const { userId, first } = await newUser(store)
    const other = await newUser(store)
    const now = Date.now()
    const r = request(userId, now)
    await store().fileEnrolment(r, 3, now)
    const attestation = { by: first, signature: randomBytes(64) }
    expect(await store().approveEnrolment(r.deviceId, other.userId, { by: other.first, signature: randomBytes(64) }, now, 20)).toBeNull()
    const device = await store().approveEnrolment(r.deviceId, userId, attestation, now, 20)
    const expected = { deviceId: r.deviceId, userId, name: r.name, publicKey: r.publicKey, status: 'active', createdAt: r.createdAt, attestation }
    expect(device).toEqual(expected)
    expect(await store().getDevice(r.deviceId)).toEqual(expected)
    expect(await store().listEnrolments(userId, now)).toEqual([])
    expect(await store().approveEnrolment(r.deviceId, userId, attestation, now, 20)).toBeNull()
  })

  it('counts only active devices toward the limit, and keeps a request it refuses to approve', async () => {
    const { userId, first } = await newUser(store)
    const now = Date.now()
    await store().addDevice({ ...deviceRecord(userId, 'revoked'), attestation: { by: first, signature: randomBytes(64) } })
    const second = deviceRecord(userId)
    await store().addDevice(second)
    const r = request(userId, now)
    await store().fileEnrolment(r, 3, now)
    await expectCandorError(store().approveEnrolment(r.deviceId, userId, { by: first, signature: randomBytes(64) }, now, 2), 'forbidden')
    expect(ids(await store().listEnrolments(userId, now))).toEqual([r.deviceId])
    expect(await store().getDevice(r.deviceId)).toBeNull()
    await store().revokeDevice(second.deviceId, userId)
    expect((await store().approveEnrolment(r.deviceId, userId, { by: first, signature: randomBytes(64) }, now, 2))?.status).toBe('active')
  })

  it('denies a request of its own user only', async () => {
    const { userId } = await newUser(store)
    const other = await newUser(store)
    const now = Date.now()
    const r = request(userId, now)
    await store().fileEnrolment(r, 3, now)
    expect(await store().denyEnrolment(r.deviceId, other.userId)).toBe(false)
    expect(ids(await store().listEnrolments(userId, now))).toEqual([r.deviceId])
    expect(await store().denyEnrolment(r.deviceId, userId)).toBe(true)
    expect(await store().listEnrolments(userId, now)).toEqual([])
    expect(await store().denyEnrolment(r.deviceId, userId)).toBe(false)
  })

  it("erasing a user deletes the user's requests", async () => {
    const { userId } = await newUser(store)
    const now = Date.now()
    const r = request(userId, now)
    await store().fileEnrolment(r, 3, now)
    await store().eraseUser(userId)
    expect(await store().getEnrolment(r.deviceId, now)).toBeNull()
    expect(await store().listEnrolments(userId, now)).toEqual([])
  })
}

function cosignature(witness: string, size: number, timestamp: number, keyId = 0x01020304): WitnessCosignatureRecord {
  return { witness, keyId, size, timestamp, signature: randomBytes(72) }
}

export function cosignatureContract(store: StoreRef): void {
  // Sizes far apart per test, so tests sharing one store never see each other's rows.
  const base = () => 1_000_000 + Math.floor(Math.random() * 1_000_000) * 100

  it("keeps each witness's newest cosignature and serves it with its checkpoint's size", async () => {
    const w = `witness.${toBase64Url(randomBytes(6))}`
    const size = base()
    const first = cosignature(w, size, 100)
    expect(await store().putCosignature(first)).toBe('stored')
    expect(await store().cosignaturesAt(size)).toEqual([first])
    expect(await store().cosignaturesAt(size + 1)).toEqual([])
    // Same checkpoint, same time: nothing changes.
    expect(await store().putCosignature({ ...first, signature: randomBytes(72) })).toBe('unchanged')
    expect(await store().cosignaturesAt(size)).toEqual([first])
    // Same checkpoint, later: replaces.
    const later = cosignature(w, size, 101)
    expect(await store().putCosignature(later)).toBe('stored')
    expect(await store().cosignaturesAt(size)).toEqual([later])
    // A larger checkpoint replaces it, even with an earlier time.
    const bigger = cosignature(w, size + 1, 50)
    expect(await store().putCosignature(bigger)).toBe('stored')
    expect(await store().cosignaturesAt(size)).toEqual([])
    expect(await store().cosignaturesAt(size + 1)).toEqual([bigger])
    // Anything older is refused and changes nothing.
    expect(await store().putCosignature(cosignature(w, size, 999))).toBe('older')
    expect(await store().putCosignature(cosignature(w, size + 1, 49))).toBe('older')
    expect(await store().cosignaturesAt(size + 1)).toEqual([bigger])
  })

  it("never touches another witness's cosignature, nor one of the same name under another key", async () => {
    const [w1, w2] = [0, 1].map(() => `witness.${toBase64Url(randomBytes(6))}`)
    const size = base()
    const a = cosignature(w1!, size, 10)
    const b = cosignature(w2!, size, 10)
    const c = cosignature(w1!, size, 10, 0x0a0b0c0d)
    for (const x of [a, b, c]) expect(await store().putCosignature(x)).toBe('stored')
    const d = cosignature(w2!, size + 1, 11)
    expect(await store().putCosignature(d)).toBe('stored')
    const at = (await store().cosignaturesAt(size)).sort((x, y) => x.keyId - y.keyId)
    expect(at).toEqual([a, c].sort((x, y) => x.keyId - y.keyId))
    expect(await store().cosignaturesAt(size + 1)).toEqual([d])
  })

  it('ends with the newest when cosignatures of one witness are stored at once', async () => {
    const w = `witness.${toBase64Url(randomBytes(6))}`
    const size = base()
    const all = Array.from({ length: 12 }, (_, i) => cosignature(w, size + (i % 4), 100 + i))
    await Promise.all(all.map((c) => store().putCosignature(c)))
    const newest = all.reduce((m, c) => (c.size > m.size || (c.size === m.size && c.timestamp > m.timestamp) ? c : m))
    expect(await store().cosignaturesAt(newest.size)).toEqual([newest])
  })
}
