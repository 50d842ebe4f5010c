// Erasing an account needs the session AND a fresh signature of its device over a single-use
// challenge (docs/protocol.md §4.4). Before, a session token alone erased the account: anyone
// who stole one could wipe a person out. Every refusal below changes nothing: the account, its
// devices and sessions stay, and no deletion receipt is logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { accountDeletionStatement, authStatement, toBase64Url } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { deletionChallenge, deletionRequest, http, rawDeleteAccount, rawEnrolApproved, rawRegister, type RawDevice } from './raw-client.ts'

let server: CandorServer
let store: SqliteStore

beforeAll(async () => {
  store = SqliteStore.open(':memory:')
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 10_000 })
})
afterAll(async () => {
  await server.close()
  await store.close()
})

const del = (body: unknown, token?: string) => http(server.url, 'POST', '/v1/account/delete', body, token)

/** What a refused deletion must leave as it was. */
async function snapshot(d: RawDevice) {
  return {
    exists: await store.userExists(d.userId as never),
    devices: (await store.listDevices(d.userId as never)).map((x) => `${x.deviceId}:${x.status}`),
    sessionWorks: (await http(server.url, 'GET', '/v1/devices', undefined, d.token)).status,
    logSize: server.context.access.log.size,
    inDirectory: (await http(server.url, 'GET', `/v1/directory/lookup/${d.userId}`)).status,
  }
}

describe('account deletion needs a fresh device signature', () => {
  it('a stolen session token alone cannot delete: without a signature, or with one by any other key', async () => {
    const zoe = await rawRegister(server.url, 'zoe')
    const before = await snapshot(zoe)
    expect(before).toMatchObject({ exists: true, sessionWorks: 200 })
    // What the old API took: the token and the user id.
    expect((await del({ confirm: 'zoe' }, zoe.token)).json.error?.code).toBe('bad_request')
    // The thief can ask for a challenge with the token, but cannot sign it as zoe's device.
    const challenge = await deletionChallenge(server.url, zoe.token)
    const thief = generateDeviceKey()
    const forged = toBase64Url(signDetached(thief.secretKey, accountDeletionStatement('zoe', zoe.deviceId, challenge)))
    expect((await del({ confirm: 'zoe', challenge, signature: forged }, zoe.token)).json.error?.code).toBe('bad_signature')
    expect((await del({ confirm: 'zoe', challenge, signature: toBase64Url(new Uint8Array(64)) }, zoe.token)).json.error?.code).toBe('bad_signature')
    // Zoe's own signature over another statement (a sign-in over the same text) is no deletion.
    const signInSig = toBase64Url(signDetached(zoe.secretKey, authStatement(zoe.deviceId, challenge)))
    expect((await del({ confirm: 'zoe', challenge, signature: signInSig }, zoe.token)).json.error?.code).toBe('bad_signature')
    expect(await snapshot(zoe)).toEqual(before)
    // The forged attempts did not burn the challenge: zoe herself can still use it.
    expect((await del(deletionRequest(zoe, challenge), zoe.token)).status).toBe(200)
    expect(await store.userExists('zoe' as never)).toBe(false)
  })

  it('a stranger with no token, or another user, gets nothing', async () => {
    const ann = await rawRegister(server.url, 'ann')
    const mal = await rawRegister(server.url, 'mal')
    const before = await snapshot(ann)
    expect((await http(server.url, 'POST', '/v1/account/delete/challenge', {})).json.error?.code).toBe('unauthenticated')
    const annChallenge = await deletionChallenge(server.url, ann.token)
    expect((await del(deletionRequest(ann, annChallenge))).json.error?.code).toBe('unauthenticated')
    // Mal, signed in, naming ann: refused before anything else.
    expect((await del(deletionRequest({ ...mal, userId: 'ann' }, await deletionChallenge(server.url, mal.token)), mal.token)).json.error?.code).toBe('bad_request')
    // Mal with ann's challenge (seen on the wire) under her own session: bound to ann's device.
    expect((await del(deletionRequest(mal, annChallenge), mal.token)).json.error?.code).toBe('unauthenticated')
    // Mal with ann's whole signed request under her own session.
    expect((await del(deletionRequest(ann, annChallenge), mal.token)).json.error?.code).toBe('bad_request')
    expect(await snapshot(ann)).toEqual(before)
    expect((await snapshot(mal)).exists).toBe(true)
  })

  it("another device's signature, a sign-in challenge or another device's challenge is refused", async () => {
    const kim = await rawRegister(server.url, 'kim')
    const laptop = await rawEnrolApproved(server.url, kim)
    const before = await snapshot(kim)
    expect(before.devices).toHaveLength(2)
    // The laptop's session with a statement for the laptop signed by kim's first device.
    const c1 = await deletionChallenge(server.url, laptop.token)
    expect((await del(deletionRequest({ ...laptop, secretKey: kim.secretKey }, c1), laptop.token)).json.error?.code).toBe('bad_signature')
    // A challenge issued to kim's first device, used under the laptop's session.
    const c2 = await deletionChallenge(server.url, kim.token)
    expect((await del(deletionRequest(laptop, c2), laptop.token)).json.error?.code).toBe('unauthenticated')
    // A sign-in challenge (anyone may ask one for any device) is not a deletion challenge.
    const signIn = (await http(server.url, 'POST', '/v1/auth/challenge', { deviceId: laptop.deviceId })).json.challenge as string
    expect((await del(deletionRequest(laptop, signIn), laptop.token)).json.error?.code).toBe('unauthenticated')
    // Garbage challenges are refused by the parser.
    expect((await del({ ...deletionRequest(laptop, c1), challenge: 'x'.repeat(600) }, laptop.token)).json.error?.code).toBe('bad_request')
    expect(await snapshot(kim)).toEqual(before)
  })

  it('a revoked device can neither get a challenge nor use one it got before', async () => {
    const lou = await rawRegister(server.url, 'lou')
    const old = await rawEnrolApproved(server.url, lou)
    const c = await deletionChallenge(server.url, old.token)
    expect((await http(server.url, 'DELETE', `/v1/devices/${old.deviceId}`, undefined, lou.token)).status).toBe(200)
    const before = await snapshot(lou)
    expect((await http(server.url, 'POST', '/v1/account/delete/challenge', {}, old.token)).json.error?.code).toBe('device_revoked')
    expect((await del(deletionRequest(old, c), old.token)).json.error?.code).toBe('device_revoked')
    expect(await snapshot(lou)).toEqual(before)
  })

  it('a signed request erases once: the same challenge and signature sent twice at once erase and log once', async () => {
    const ida = await rawRegister(server.url, 'ida')
    const size = server.context.access.log.size
    const body = deletionRequest(ida, await deletionChallenge(server.url, ida.token))
    const answers = await Promise.all([del(body, ida.token), del(body, ida.token)])
    expect(answers.map((a) => a.status).filter((s) => s === 200)).toHaveLength(1)
    expect(answers.find((a) => a.status !== 200)?.json.error?.code).toBe('unauthenticated')
    expect(server.context.access.log.size).toBe(size + 1)
    // And afterwards, the replay meets an account that is gone.
    expect((await del(body, ida.token)).json.error?.code).toBe('unauthenticated')
  })

  it('the whole flow as the SDK does it erases the account and reserves the id', async () => {
    const eve = await rawRegister(server.url, 'eve')
    expect((await rawDeleteAccount(server.url, eve)).status).toBe(200)
    expect(await store.userExists('eve' as never)).toBe(false)
    await expect(rawRegister(server.url, 'eve')).rejects.toThrow('user_id_reserved')
  })
})
