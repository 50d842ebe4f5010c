// Route parameters, query strings and bodies go through the protocol's field parsers: a value
// that is not in its one canonical spelling is refused with bad_request naming the field, it is
// never rewritten into another value, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { authStatement, newGroupId, registrationStatement, toBase64Url, type UserId } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { createGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let alice: RawDevice

beforeAll(async () => {
  running = await startSqliteServer('canonical', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
  alice = await rawRegister(server.url, 'alice')
})
afterAll(() => running.close())

/** The same bytes as a canonical id, with one of the last character's unused bits set. */
function respelt(id: string): string {
  const last = id.at(-1)!
  return id.slice(0, -1) + (last === 'A' ? 'B' : last === 'Q' ? 'R' : last === 'g' ? 'h' : 'x')
}

function registration(userId: string, over: Record<string, unknown> = {}) {
  const k = generateDeviceKey()
  const pk = toBase64Url(k.publicKey)
  return { userId, publicKey: pk, deviceName: 'laptop', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, pk))), ...over }
}

async function expectBad(r: Promise<{ status: number; json: { error?: { code: string; message: string } } }>, field: string) {
  const { status, json } = await r
  expect(status).toBe(400)
  expect(json.error?.code).toBe('bad_request')
  expect(json.error?.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `))
}

describe('canonical input at the HTTP boundary', () => {
  it('route parameters: a re-spelt group or device id, an upper-case user id, a padded number', async () => {
    await expectBad(http(server.url, 'GET', `/v1/groups/${respelt(newGroupId())}`, undefined, alice.token), 'groupId')
    await expectBad(http(server.url, 'DELETE', `/v1/devices/${respelt(alice.deviceId)}`, undefined, alice.token), 'deviceId')
    // Not unknown_user: the server does not lower-case "Alice" into someone else's id.
    await expectBad(http(server.url, 'GET', '/v1/directory/lookup/ALICE', undefined, alice.token), 'userId')
    await expectBad(http(server.url, 'GET', '/v1/directory/checkpoints/01'), 'size')
    await expectBad(http(server.url, 'GET', '/v1/directory/consistency?from=1&to=1e0'), 'to')
    await expectBad(http(server.url, 'GET', '/v1/access-log/consistency?from=%201&to=1'), 'from')
    expect((await store.listDevices('alice' as UserId)).map((d) => d.status)).toEqual(['active'])
  })

  it('registration: user id, key, signature and device name each in their one spelling, or nothing is created', async () => {
    await expectBad(http(server.url, 'POST', '/v1/register', registration('Bob')), 'userId')
    await expectBad(http(server.url, 'POST', '/v1/register', registration('bob@localhost')), 'userId')
    const r = registration('bob')
    await expectBad(http(server.url, 'POST', '/v1/register', { ...r, publicKey: respelt(r.publicKey) }), 'publicKey')
    await expectBad(http(server.url, 'POST', '/v1/register', { ...r, signature: `${r.signature}==` }), 'signature')
    await expectBad(http(server.url, 'POST', '/v1/register', { ...r, deviceName: 'phone\u202Eexe.gnp' }), 'deviceName')
    await expectBad(http(server.url, 'POST', '/v1/register', { ...r, deviceName: 'x'.repeat(65) }), 'deviceName')
    expect(await store.userExists('bob' as UserId)).toBe(false)
    expect((await http(server.url, 'POST', '/v1/register', r)).status).toBe(201)
    expect((await http(server.url, 'POST', '/v1/register', registration('bob@acme.example'))).status).toBe(201)
  })

  it('sign-in: a challenge or device id that is not canonical is refused before any lookup', async () => {
    const k = generateDeviceKey()
    const { challenge } = (await http(server.url, 'POST', '/v1/auth/challenge', { deviceId: alice.deviceId })).json as { challenge: string }
    await expectBad(http(server.url, 'POST', '/v1/auth/challenge', { deviceId: respelt(alice.deviceId) }), 'deviceId')
    const sig = toBase64Url(signDetached(k.secretKey, authStatement(alice.deviceId, challenge)))
    await expectBad(http(server.url, 'POST', '/v1/auth/session', { deviceId: alice.deviceId, challenge: `${challenge}.x`, signature: sig }), 'challenge')
  })

  it('commits: message id and blobs', async () => {
    const group = newGroupId()
    await createGroup(server.url, alice, group)
    const body = { messageId: respelt(newGroupId()), commit: 'AAAA', groupInfo: 'AAAA' }
    await expectBad(http(server.url, 'POST', `/v1/groups/${group}/commits`, body, alice.token), 'messageId')
    await expectBad(http(server.url, 'POST', `/v1/groups/${group}/commits`, { ...body, messageId: newGroupId(), commit: 'AAB' }, alice.token), 'commit')
    await expectBad(http(server.url, 'POST', `/v1/groups/${group}/commits`, { ...body, messageId: newGroupId(), groupInfo: 'AAB' }, alice.token), 'groupInfo')
    await expectBad(http(server.url, 'POST', `/v1/groups`, { groupId: newGroupId(), groupInfo: 'AAB' }, alice.token), 'groupInfo')
    expect((await store.getGroup(group))?.epoch).toBe(0)
  })

  it('a user id of the longest length goes everywhere an id goes, access receipts included', async () => {
    const label = 'a'.repeat(63)
    const longest = `bob@${[label, label, label, 'b'.repeat(58)].join('.')}`
    expect(longest).toHaveLength(254)
    const bob = await rawRegister(server.url, longest)
    expect((await http(server.url, 'GET', `/v1/directory/lookup/${encodeURIComponent(longest)}`, undefined, alice.token)).status).toBe(200)
    const receipt = await server.context.access.access(
      {
        accessor: { userId: 'alice' as UserId, role: 'org_admin', org: 'acme' },
        subject: bob.userId as UserId,
        categories: ['device_list'],
        resources: [`user:${longest}/devices`],
        justification: 'support_request',
        caseRef: 'INC-1',
      },
      async () => 'done',
    )
    expect(receipt).toBe('done')
  })
})
