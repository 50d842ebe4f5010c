// Recovery (docs/protocol.md §4.2) through a real server: a person who wipes their only device
// gets back in with the secret they wrote down, history included; the directory proves the new
// device, the old one is revoked, a contact sees the key change. And those who must not get in:
// a wrong secret, someone else's recovery key, a replayed statement, the operator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { FolderBlobStore } from '@candor/store-sqlite'
import { approvalStatement, fromBase64Url, recoveryKeyStatement, toBase64Url, type UserId } from '@candor/protocol'
import { generateDeviceKey, newRecoverySecret, parseRecoverySecret, recoveryKeyPair, signDetached } from '@candor/crypto'
import { CandorClient, JOINED_ON_NEW_DEVICE_TEXT, MemoryLocalStore, type HistoryProgress } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
let blobDir: string

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-recovery-blobs-'))
  env = await startDevEnv({ blobs: await FolderBlobStore.open(blobDir) })
})
afterAll(async () => {
  await env.close()
  rmSync(blobDir, { recursive: true, force: true })
})

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown> }> {
  const res = await fetch(`${env.server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as never }
}

/** The device's secret key, read from its home as an attacker with a copy of it would. */
async function deviceSecret(store: MemoryLocalStore): Promise<Uint8Array> {
  return fromBase64Url((JSON.parse((await store.get('identity'))!) as { secretKey: string }).secretKey)!
}

describe('recovery with the written-down secret', () => {
  it('wipes the only device, gets back in with the secret and the backup; the old device is revoked; a contact sees the change', async () => {
    const home = new MemoryLocalStore()
    const alice = await env.user('alice', home)
    const bob = await env.user('bob')
    const conv = await alice.directConversation('bob')
    const got = nextMessage(bob, (m) => m.text === 'before the flood')
    await alice.send(conv, 'before the flood')
    await got
    const back = nextMessage(alice, (m) => m.text === 'noted, stay dry')
    await bob.send(conv, 'noted, stay dry')
    await back

    const { secret, replaced } = await alice.setUpRecovery()
    expect(secret).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/)
    expect(replaced).toBe(false)
    expect(await alice.recoveryKey()).toBe(toBase64Url(recoveryKeyPair(parseRecoverySecret(secret), 'alice').publicKey))
    expect(await alice.checkOwnDevices()).toEqual([])
    const progress: HistoryProgress[] = []
    const backup = await alice.backUpHistory((p) => progress.push(p))
    expect(backup.messages).toBe(2)
    expect(progress.some((p) => p.stage === 'uploading' && p.done === backup.size)).toBe(true)
    const safetyBefore = (await bob.safetyNumber('alice')).number

    // The phone goes into the river: its home is gone.
    alice.close()

    // A mistyped secret is caught before anything is sent; a wrong one is refused and leaves the home empty.
    const fresh = new MemoryLocalStore()
    const typo = secret.slice(0, 5) + (secret[5] === 'A' ? 'B' : 'A') + secret.slice(6)
    await expect(CandorClient.recover(options(env.server.url, fresh), 'alice', typo)).rejects.toMatchObject({ code: 'bad_request' })
    await expect(CandorClient.recover(options(env.server.url, fresh), 'alice', newRecoverySecret())).rejects.toMatchObject({ code: 'bad_signature' })
    expect(await CandorClient.open(options(env.server.url, fresh))).toBeNull()

    const steps: HistoryProgress[] = []
    const { client: phone, restored, revoked } = await CandorClient.recover(options(env.server.url, fresh), 'alice', secret, 'new phone', {
      revokeOthers: true,
      onProgress: (p) => steps.push(p),
    })
    env.clients.push(phone)
    expect(restored).toMatchObject({ archives: 1, messages: 2, conversations: [conv] })
    expect(steps.map((s) => s.stage)).toEqual(expect.arrayContaining(['downloading', 'importing', 'done']))
    expect(revoked).toEqual([alice.deviceId])
    const history = await phone.history(conv)
    expect(history.map((m) => [m.text, m.direction, m.transferred])).toEqual([
      ['before the flood', 'out', true],
      ['noted, stay dry', 'in', true],
      // And the conversation goes on on the new device, in the revoked one's place (§5.2; recovered-device-rejoins.test.ts).
      [JOINED_ON_NEW_DEVICE_TEXT, 'out', undefined],
    ])
    expect(await phone.transferredConversations()).toEqual([{ id: conv, members: ['alice', 'bob'] }])

    // The directory proves the new device and no longer the old one; the person's own history check accepts it.
    expect(await phone.checkOwnDevices()).toEqual([])
    expect((await phone.devices()).find((d) => d.deviceId === alice.deviceId)?.status).toBe('revoked')
    await waitFor(async () => {
      const devices = (await bob.verifiedDevices('alice')).map((d) => d.deviceId)
      return devices.length === 1 && devices[0] === phone.deviceId
    }, 'bob to see only the new device')
    expect((await bob.safetyNumber('alice')).number).not.toBe(safetyBefore)

    // And the two talk again, in a new conversation with the new device.
    await phone.connect()
    const again = await phone.createConversation(['bob'])
    const hello = nextMessage(bob, (m) => m.text === 'it is me, new phone')
    await phone.send(again, 'it is me, new phone')
    expect(await hello).toMatchObject({ from: 'alice', fromDevice: phone.deviceId })
  })
})

describe('who cannot use recovery', () => {
  it('refuses someone else’s recovery key, a replayed statement and a replayed approval; a stranger cannot set it', async () => {
    const home = new MemoryLocalStore()
    const dana = await env.user('dana', home)
    const erin = await env.user('erin')
    const { secret: erinSecret } = await erin.setUpRecovery()
    const { secret } = await dana.setUpRecovery()

    // Someone else's recovery: erin's key (hers, or derived for dana from erin's secret) approves nothing of dana's.
    const askingClient = await CandorClient.enrol(options(env.server.url), 'dana', 'thief')
    askingClient.close()
    const pk = (await dana.pendingEnrolments())[0]!.publicKey
    const byErin = recoveryKeyPair(parseRecoverySecret(erinSecret), 'erin')
    const erinForDana = recoveryKeyPair(parseRecoverySecret(erinSecret), 'dana')
    for (const k of [byErin, erinForDana]) {
      const sig = toBase64Url(signDetached(k.secretKey, approvalStatement('recovery', 'dana', pk)))
      const r = await call('POST', `/v1/enrolments/${askingClient.deviceId}/recover`, { signature: sig })
      expect(r.status).toBe(401)
      expect(r.body.error?.code).toBe('bad_signature')
    }
    expect((await dana.pendingEnrolments()).map((e) => e.deviceId)).toEqual([askingClient.deviceId])

    // A replayed approval: the real key's signature for one device approves that device once, and no other.
    const danaKey = recoveryKeyPair(parseRecoverySecret(secret), 'dana')
    const good = toBase64Url(signDetached(danaKey.secretKey, approvalStatement('recovery', 'dana', pk)))
    expect((await call('POST', `/v1/enrolments/${askingClient.deviceId}/recover`, { signature: good })).status).toBe(200)
    expect((await call('POST', `/v1/enrolments/${askingClient.deviceId}/recover`, { signature: good })).body.error?.code).toBe('not_found')
    const other = await CandorClient.enrol(options(env.server.url), 'dana', 'second')
    other.close()
    expect((await call('POST', `/v1/enrolments/${other.deviceId}/recover`, { signature: good })).body.error?.code).toBe('bad_signature')

    // A replayed statement: the first key's statement, posted again after a second key replaced it, changes nothing.
    const deviceKey = await deviceSecret(home)
    const first = recoveryKeyPair(parseRecoverySecret(secret), 'dana')
    const firstStatement = recoveryKeyStatement('dana', dana.deviceId, toBase64Url(first.publicKey), null)
    const replay = {
      publicKey: toBase64Url(first.publicKey),
      previous: null,
      signature: toBase64Url(signDetached(deviceKey, firstStatement)),
      proof: toBase64Url(signDetached(first.secretKey, firstStatement)),
    }
    const { publicKey: second } = await dana.setUpRecovery()
    const token = await dana.api.token()
    const r = await call('PUT', '/v1/recovery-key', replay, token)
    expect(r.status).toBe(409)
    expect(r.body.error?.code).toBe('conflict')
    expect(await dana.recoveryKey()).toBe(second)

    // Another user cannot set it for dana: erin's session sets only erin's, and dana's signature does not fit erin's statement.
    const erinToken = await erin.api.token()
    const stolen = { ...replay, previous: null }
    expect((await call('PUT', '/v1/recovery-key', stolen, erinToken)).body.error?.code).toBe('bad_signature')
    expect(await dana.recoveryKey()).toBe(second)
    // Without a session: nothing.
    expect((await call('PUT', '/v1/recovery-key', replay)).status).toBe(401)
    // A statement signed by the device but not by the recovery key (no proof of holding it): refused.
    const bare = generateDeviceKey()
    const st = recoveryKeyStatement('dana', dana.deviceId, toBase64Url(bare.publicKey), second)
    const noProof = { publicKey: toBase64Url(bare.publicKey), previous: second, signature: toBase64Url(signDetached(deviceKey, st)), proof: toBase64Url(signDetached(deviceKey, st)) }
    expect((await call('PUT', '/v1/recovery-key', noProof, token)).body.error?.code).toBe('bad_signature')
    expect(await dana.recoveryKey()).toBe(second)
  })

  it('the operator, holding no recovery key, cannot approve a device unnoticed: the owner’s history check flags its key and its device', async () => {
    const frank = await env.user('frank')
    expect(await frank.checkOwnDevices()).toEqual([])
    // The operator writes a recovery key of its own into its database (it cannot sign as frank's device)…
    const operatorKey = generateDeviceKey()
    const fakeDevice = generateDeviceKey()
    const set = await env.store.accountRecovery().setRecoveryKey({
      userId: 'frank' as UserId,
      publicKey: operatorKey.publicKey,
      previous: null,
      setBy: frank.deviceId,
      setByKey: fromBase64Url((await frank.devices())[0]!.publicKey)!,
      signature: signDetached(fakeDevice.secretKey, recoveryKeyStatement('frank', frank.deviceId, toBase64Url(operatorKey.publicKey), null)),
      setAt: Date.now(),
    })
    expect(set).toBe(true)
    // …and approves a device of its own making with it, through the route, as a recovering person would.
    const intruder = await CandorClient.enrol(options(env.server.url), 'frank', 'intruder')
    intruder.close()
    const pk = (await frank.pendingEnrolments())[0]!.publicKey
    const sig = toBase64Url(signDetached(operatorKey.secretKey, approvalStatement('recovery', 'frank', pk)))
    expect((await call('POST', `/v1/enrolments/${intruder.deviceId}/recover`, { signature: sig })).status).toBe(200)
    // Frank's device sees both: the recovery key none of his devices set, and the device it approved.
    const unknown = await frank.checkOwnDevices()
    expect(unknown.map((u) => u.deviceId).sort()).toEqual(['recovery', intruder.deviceId].sort())
    await expect(frank.recoveryKey()).resolves.toBeNull()
  })

  it('the operator replaying an old recovery statement in its database is caught by the owner’s history check', async () => {
    const gina = await env.user('gina')
    const { publicKey: first } = await gina.setUpRecovery()
    await gina.setUpRecovery()
    expect(await gina.checkOwnDevices()).toEqual([])
    // Straight into the database, past the route's check: the first key's row again, with its genuine statement.
    const db = new Database(join(env.dataDir, 'candor.db'))
    try {
      const row = db.prepare('SELECT * FROM recovery_keys WHERE user_id = ? ORDER BY seq LIMIT 1').get('gina') as Record<string, unknown>
      expect(Buffer.from(row.public_key as Buffer).toString('base64url')).toBe(first)
      db.prepare('INSERT INTO recovery_keys (user_id, public_key, previous, set_by, set_by_key, signature, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        'gina', row.public_key, row.previous, row.set_by, row.set_by_key, row.signature, Date.now(),
      )
      db.prepare('INSERT INTO directory_backlog (user_id, erased) VALUES (?, 0)').run('gina')
    } finally {
      db.close()
    }
    // The backlog sweep publishes it; gina's device sees the old key come back over the new one.
    await waitFor(async () => (await gina.checkOwnDevices()).some((u) => u.deviceId === 'recovery' && u.publicKey === first), 'the replayed key to be flagged', 60_000)
    await expect(gina.recoveryKey()).rejects.toMatchObject({ code: 'directory_proof_invalid' })
  })
})
