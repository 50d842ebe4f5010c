// Enrolment requests are filed without a session, so by anyone: a stranger filing requests for
// someone ("IT support laptop") must not lock that person's real new device out, must not
// leave anything that lasts, and must be deniable (docs/protocol.md §4.1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  LIMITS,
  approvalStatement,
  authStatement,
  denialStatement,
  deviceIdFromKey,
  enrolmentStatement,
  newDeviceId,
  randomBytes,
  toBase64Url,
  type DeviceId,
  type UserId,
} from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { http, httpFrom, rawRegister, type RawDevice } from './raw-client.ts'

let server: CandorServer
let store: SqliteStore
let dir: string
/** The server's enrolment clock; tests move it. */
let now: number
let alice: RawDevice

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-enrolments-'))
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  now = Date.now()
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', enrolmentClock: () => now })
  alice = await rawRegister(server.url, 'alice')
})
afterEach(async () => {
  await server.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Filed {
  deviceId: DeviceId
  publicKey: string
  secretKey: Uint8Array
  status: number
  json: Awaited<ReturnType<typeof http>>['json']
}

/** A new device (or a stranger pretending to be one) asks to join `userId`, from `from`. */
async function file(userId: string, name: string, from = '127.0.0.1'): Promise<Filed> {
  const k = generateDeviceKey()
  const publicKey = toBase64Url(k.publicKey)
  const body = { userId, publicKey, deviceName: name, signature: toBase64Url(signDetached(k.secretKey, enrolmentStatement(userId, publicKey, name))) }
  const r = await httpFrom(from, server.url, 'POST', '/v1/enrolments', body)
  return { deviceId: deviceIdFromKey(k.publicKey), publicKey, secretKey: k.secretKey, status: r.status, json: r.json }
}

/** The error code the device gets when it tries to sign in (a pending one hears it is waiting). */
async function signIn(d: Filed): Promise<string | undefined> {
  const { challenge } = (await http(server.url, 'POST', '/v1/auth/challenge', { deviceId: d.deviceId })).json as { challenge: string }
  const signature = toBase64Url(signDetached(d.secretKey, authStatement(d.deviceId, challenge)))
  return (await http(server.url, 'POST', '/v1/auth/session', { deviceId: d.deviceId, challenge, signature })).json.error?.code
}

async function requests(owner: RawDevice): Promise<Array<{ deviceId: string; name: string; expiresAt: number }>> {
  return (await http(server.url, 'GET', '/v1/enrolments', undefined, owner.token)).json.requests as Array<{ deviceId: string; name: string; expiresAt: number }>
}

function approve(owner: RawDevice, d: Filed) {
  const signature = toBase64Url(signDetached(owner.secretKey, approvalStatement(owner.deviceId, owner.userId, d.publicKey)))
  return http(server.url, 'POST', `/v1/enrolments/${d.deviceId}/approve`, { signature }, owner.token)
}

function deny(owner: RawDevice, d: Filed, statement = denialStatement(owner.userId, d.publicKey)) {
  return http(server.url, 'POST', `/v1/enrolments/${d.deviceId}/deny`, { signature: toBase64Url(signDetached(owner.secretKey, statement)) }, owner.token)
}

describe('enrolment requests from strangers', () => {
  it('expire after ten minutes: gone from every list, not approvable, and the device cannot sign in', async () => {
    const stranger = await file('alice', 'IT support laptop')
    expect(stranger.status).toBe(202)
    expect(stranger.json).toEqual({ deviceId: stranger.deviceId, status: 'pending', expiresAt: now + LIMITS.enrolmentTtlMs })
    expect(await requests(alice)).toEqual([expect.objectContaining({ deviceId: stranger.deviceId, name: 'IT support laptop', expiresAt: now + LIMITS.enrolmentTtlMs })])
    const listed = (await http(server.url, 'GET', '/v1/devices', undefined, alice.token)).json.devices as Array<{ deviceId: string; status: string }>
    expect(listed.map((d) => [d.deviceId, d.status])).toEqual([
      [alice.deviceId, 'active'],
      [stranger.deviceId, 'pending'],
    ])
    expect(await signIn(stranger)).toBe('forbidden')

    now += LIMITS.enrolmentTtlMs
    expect(await requests(alice)).toEqual([])
    const after = (await http(server.url, 'GET', '/v1/devices', undefined, alice.token)).json.devices as Array<{ deviceId: string }>
    expect(after.map((d) => d.deviceId)).toEqual([alice.deviceId])
    const approved = await approve(alice, stranger)
    expect(approved.json.error?.code).toBe('not_found')
    expect(await store.getDevice(stranger.deviceId)).toBeNull()
    expect(await signIn(stranger)).toBe('unknown_device')
  })

  it('never count toward the device limit: only active devices do, so the real new device gets in', async () => {
    // Alice already has 19 active devices (and a revoked one, which counts for nothing).
    for (let i = 0; i < LIMITS.devicesPerUser - 2; i++) {
      const k = generateDeviceKey()
      await store.addDevice({ deviceId: deviceIdFromKey(k.publicKey), userId: 'alice' as UserId, name: `old ${i}`, publicKey: k.publicKey, status: 'active', createdAt: now })
    }
    await store.addDevice({ deviceId: newDeviceId(), userId: 'alice' as UserId, name: 'lost phone', publicKey: randomBytes(32), status: 'revoked', createdAt: now })
    const strangers = [await file('alice', 'IT support laptop', '127.0.0.2'), await file('alice', 'IT support phone', '127.0.0.2')]
    expect(strangers.map((s) => s.status)).toEqual([202, 202])

    const real = await file('alice', 'my new laptop')
    expect(real.status, JSON.stringify(real.json)).toBe(202)
    expect((await approve(alice, real)).json).toMatchObject({ deviceId: real.deviceId, status: 'active' })
    expect((await store.getDevice(real.deviceId))?.status).toBe('active')
    expect((await requests(alice)).map((r) => r.deviceId)).toEqual(strangers.map((s) => s.deviceId))

    // Now 20 active: a further request is refused (clearly), and approving a pending one too.
    const more = await file('alice', 'one too many', '127.0.0.3')
    expect(more.status).toBe(403)
    expect(more.json.error?.message).toMatch(/at most 20 active devices/)
    expect((await approve(alice, strangers[0]!)).json.error?.code).toBe('forbidden')
    expect((await requests(alice)).map((r) => r.deviceId)).toEqual(strangers.map((s) => s.deviceId))
  })

  it('at most three are pending per user: a fourth drops the oldest, so a stranger cannot hold the slots', async () => {
    const [a, b, c, d] = [await file('alice', 'one', '127.0.0.2'), await file('alice', 'two', '127.0.0.2'), await file('alice', 'three', '127.0.0.2'), await file('alice', 'mine')]
    expect([a, b, c, d].map((x) => x!.status)).toEqual([202, 202, 202, 202])
    expect((await requests(alice)).map((r) => r.name)).toEqual(['two', 'three', 'mine'])
    expect(await signIn(a!)).toBe('unknown_device')
    expect(await signIn(d!)).toBe('forbidden')
  })

  it('any active device of the user denies one with a signed candor/deny/v1 statement; nothing else can', async () => {
    const bob = await rawRegister(server.url, 'bob')
    const stranger = await file('alice', 'IT support laptop')
    const pending = async () => (await requests(alice)).map((r) => r.deviceId)

    expect((await http(server.url, 'POST', `/v1/enrolments/${stranger.deviceId}/deny`, { signature: toBase64Url(randomBytes(64)) })).json.error?.code).toBe('unauthenticated')
    expect((await deny(bob, stranger)).json.error?.code).toBe('not_found')
    expect((await deny(bob, stranger, denialStatement('alice', stranger.publicKey))).json.error?.code).toBe('not_found')
    // Alice's session, but a signature over another statement (or by another key) is not a denial.
    expect((await deny(alice, stranger, approvalStatement(alice.deviceId, 'alice', stranger.publicKey))).json.error?.code).toBe('bad_signature')
    expect((await deny({ ...alice, secretKey: bob.secretKey }, stranger)).json.error?.code).toBe('bad_signature')
    expect(await pending()).toEqual([stranger.deviceId])

    const denied = await deny(alice, stranger)
    expect(denied.status).toBe(200)
    expect(denied.json).toEqual({ deviceId: stranger.deviceId, denied: true })
    expect(await pending()).toEqual([])
    expect(await signIn(stranger)).toBe('unknown_device')
    expect((await approve(alice, stranger)).json.error?.code).toBe('not_found')
    expect((await deny(alice, stranger)).json.error?.code).toBe('not_found')
  })

  it('are limited per client address and per user; a refused one changes nothing', async () => {
    for (let i = 0; i < LIMITS.enrolmentsPerAddress; i++) expect((await file('alice', `stranger ${i}`, '127.0.0.2')).status).toBe(202)
    const before = await requests(alice)
    const refused = await file('alice', 'one more', '127.0.0.2')
    expect(refused.status).toBe(429)
    expect(refused.json.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/from one address/) })
    expect(await requests(alice)).toEqual(before)
    // Another address is not held back by this one; this one gets one more every 2 minutes.
    expect((await file('alice', 'elsewhere', '127.0.0.3')).status).toBe(202)
    now += LIMITS.enrolmentWindowMs / LIMITS.enrolmentsPerAddress
    expect((await file('alice', 'later', '127.0.0.2')).status).toBe(202)
    expect((await file('alice', 'too soon', '127.0.0.2')).status).toBe(429)

    await rawRegister(server.url, 'bob')
    await rawRegister(server.url, 'carol')
    for (let i = 0; i < LIMITS.enrolmentsPerUser; i++) expect((await file('bob', `stranger ${i}`, `127.0.1.${i + 1}`)).status).toBe(202)
    const forBob = await file('bob', 'one more', '127.0.2.1')
    expect(forBob.json.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/for one user/) })
    expect((await file('carol', 'from the same address', '127.0.2.1')).status).toBe(202)
  })

  it('refuses a bad signature or an unknown user and keeps nothing', async () => {
    const k = generateDeviceKey()
    const publicKey = toBase64Url(k.publicKey)
    const forged = { userId: 'alice', publicKey, deviceName: 'x', signature: toBase64Url(signDetached(k.secretKey, enrolmentStatement('alice', publicKey, 'y'))) }
    expect((await http(server.url, 'POST', '/v1/enrolments', forged)).json.error?.code).toBe('bad_signature')
    expect((await file('nobody', 'x')).json.error?.code).toBe('unknown_user')
    expect(await requests(alice)).toEqual([])
    expect(await store.getEnrolment(deviceIdFromKey(k.publicKey), now)).toBeNull()
  })
})

describe('device lists of others', () => {
  it('are not served: others learn devices (ids and keys) from the key directory only', async () => {
    const bob = await rawRegister(server.url, 'bob')
    const r = await http(server.url, 'GET', '/v1/users/alice/devices', undefined, bob.token)
    expect(r.status).toBe(404)
    expect(JSON.stringify(r.json)).not.toContain('raw')
  })
})
