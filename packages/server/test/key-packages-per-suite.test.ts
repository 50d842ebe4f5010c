// Key packages per MLS cipher suite (docs/protocol.md §4.5, §5.0) through the HTTP API: an upload
// names its suite and every package must be in it; counts and claims are per suite; a claim
// says no_key_package when no device has one of the suite asked for; any other suite number is a
// bad request that changes nothing. A PQ group is created and a PQ commit accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromBase64Url, newGroupId, newMessageId, toBase64Url } from '@candor/protocol'
import { CLASSIC_SUITE, PQ_SUITE, commitChanges, decodeKeyPackage, getSuite, groupInfoForExternalJoin, newKeyPackage, startGroup } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { rawConfig } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let ann: RawDevice
let bob: RawDevice

beforeAll(async () => {
  running = await startSqliteServer('kp-suites', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
  ann = await rawRegister(server.url, 'kps-ann')
  bob = await rawRegister(server.url, 'kps-bob')
})
afterAll(() => running.close())

const pq = getSuite(nodeCryptoProvider(), PQ_SUITE)
const classic = getSuite(nodeCryptoProvider(), CLASSIC_SUITE)
const kpOf = async (d: RawDevice, suite: 'pq' | 'classic') => newKeyPackage(await (suite === 'pq' ? pq : classic), d, false)

describe('key packages per cipher suite', () => {
  it('uploads, counts and claims each suite apart; a PQ claim of a device without PQ packages is no_key_package', async () => {
    const a1 = await kpOf(ann, 'classic')
    const a83 = await kpOf(ann, 'pq')
    expect((await http(server.url, 'POST', '/v1/key-packages', { oneTime: [a1.publicPackage] }, ann.token)).json).toEqual({ oneTime: 1, lastResort: false })
    expect((await http(server.url, 'POST', '/v1/key-packages', { oneTime: [a83.publicPackage], suite: 83 }, ann.token)).json).toEqual({ oneTime: 1, lastResort: false })
    expect((await http(server.url, 'GET', '/v1/key-packages/count?suite=83', undefined, ann.token)).json).toEqual({ oneTime: 1, lastResort: false })
    expect((await http(server.url, 'GET', '/v1/key-packages/count', undefined, ann.token)).json).toEqual({ oneTime: 1, lastResort: false })

    // bob has only suite 1 (as an older client): his PQ claim is no_key_package; ann's hands out the PQ package.
    const b1 = await kpOf(bob, 'classic')
    await http(server.url, 'POST', '/v1/key-packages', { oneTime: [b1.publicPackage] }, bob.token)
    const none = await http(server.url, 'POST', `/v1/users/${bob.userId}/key-packages/claim`, { suite: 83 }, ann.token)
    expect([none.status, none.json.error?.code]).toEqual([409, 'no_key_package'])
    const got = await http(server.url, 'POST', `/v1/users/${ann.userId}/key-packages/claim`, { suite: 83 }, bob.token)
    expect(got.status, JSON.stringify(got.json)).toBe(200)
    const handed = got.json.keyPackages as { keyPackage: string }[]
    expect(handed.map((k) => k.keyPackage)).toEqual([a83.publicPackage])
    expect(decodeKeyPackage(fromBase64Url(handed[0]!.keyPackage)!).cipherSuite).toBe(PQ_SUITE)
    expect(got.json.missing).toBeUndefined()
    // Suite-1 claims are untouched by the PQ ones.
    const bobSuite1 = await http(server.url, 'POST', `/v1/users/${bob.userId}/key-packages/claim`, {}, ann.token)
    expect((bobSuite1.json.keyPackages as { keyPackage: string }[]).map((k) => k.keyPackage)).toEqual([b1.publicPackage])
    expect((await http(server.url, 'GET', '/v1/key-packages/count', undefined, ann.token)).json).toEqual({ oneTime: 1, lastResort: false })
  })

  it('refuses a package of another suite than the upload names, and suite numbers it does not speak; nothing changes', async () => {
    const before83 = (await http(server.url, 'GET', '/v1/key-packages/count?suite=83', undefined, bob.token)).json
    const before1 = (await http(server.url, 'GET', '/v1/key-packages/count', undefined, bob.token)).json
    const b1 = await kpOf(bob, 'classic')
    const b83 = await kpOf(bob, 'pq')
    const mixed = await http(server.url, 'POST', '/v1/key-packages', { oneTime: [b83.publicPackage, b1.publicPackage], suite: 83 }, bob.token)
    expect([mixed.status, mixed.json.error?.code]).toEqual([400, 'invalid_key_package'])
    const unnamed = await http(server.url, 'POST', '/v1/key-packages', { oneTime: [b83.publicPackage] }, bob.token)
    expect([unnamed.status, unnamed.json.error?.code]).toEqual([400, 'invalid_key_package'])
    for (const suite of [2, 3, 84, 0, -1, '83', 1.5]) {
      const r = await http(server.url, 'POST', '/v1/key-packages', { oneTime: [b1.publicPackage], suite }, bob.token)
      expect([r.status, r.json.error?.code], `suite ${String(suite)}`).toEqual([400, 'bad_request'])
      const c = await http(server.url, 'POST', `/v1/users/${ann.userId}/key-packages/claim`, { suite }, bob.token)
      expect([c.status, c.json.error?.code], `claim suite ${String(suite)}`).toEqual([400, 'bad_request'])
    }
    for (const q of ['84', 'x', '', '83&suite=1']) {
      const r = await http(server.url, 'GET', `/v1/key-packages/count?suite=${q}`, undefined, bob.token)
      expect([r.status, r.json.error?.code], `count ?suite=${q}`).toEqual([400, 'bad_request'])
    }
    expect((await http(server.url, 'GET', '/v1/key-packages/count?suite=83', undefined, bob.token)).json).toEqual(before83)
    expect((await http(server.url, 'GET', '/v1/key-packages/count', undefined, bob.token)).json).toEqual(before1)
  })

  it('creates a post-quantum group and accepts its commit adding a PQ package', async () => {
    const suite = await pq
    const groupId = newGroupId()
    const state = await startGroup(suite, rawConfig, fromBase64Url(groupId)!, await kpOf(ann, 'pq'))
    const created = await http(server.url, 'POST', '/v1/groups', { groupId, groupInfo: toBase64Url(await groupInfoForExternalJoin(suite, state)) }, ann.token)
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const b83 = await kpOf(bob, 'pq')
    const out = await commitChanges(suite, state, [decodeKeyPackage(fromBase64Url(b83.publicPackage)!)], [])
    const body = { messageId: newMessageId(), commit: toBase64Url(out.commit), groupInfo: toBase64Url(out.groupInfo), welcome: toBase64Url(out.welcome!) }
    const r = await http(server.url, 'POST', `/v1/groups/${groupId}/commits`, body, ann.token)
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect((await store.getGroup(groupId as never))?.members).toContain(bob.deviceId)
  })
})
