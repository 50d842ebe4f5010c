// POST /v1/groups (docs/protocol.md §5.1): a group is created from its creator's signed GroupInfo
// at epoch 0, whose only leaf is the authenticated device with its registered key. Anything else
// — another device's group info, a second leaf, another group id, a later epoch, a key that is
// not the device's, junk — is refused and creates nothing. A reset (§5.4) checks its new group's
// GroupInfo by the same function (recovery-routes.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newGroupId, randomBytes, toBase64Url, type GroupId } from '@candor/protocol'
import { generateDeviceKey } from '@candor/crypto'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { commitBody, keyPackageOf, newGroupState } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let ann: RawDevice
let bob: RawDevice

beforeAll(async () => {
  running = await startSqliteServer('groups', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
  ann = await rawRegister(server.url, 'gc-ann')
  bob = await rawRegister(server.url, 'gc-bob')
})
afterAll(() => running.close())

const create = (groupId: string, groupInfo: string, token: string | undefined) => http(server.url, 'POST', '/v1/groups', { groupId, groupInfo }, token)

async function refused(groupId: GroupId, groupInfo: string, token: string | undefined, status: number, code: string) {
  const r = await create(groupId, groupInfo, token)
  expect([r.status, r.json.error?.code], JSON.stringify(r.json)).toEqual([status, code])
  expect(await store.getGroup(groupId)).toBeNull()
  expect(await store.groupInfo(groupId)).toBeNull()
}

describe('POST /v1/groups', () => {
  it('creates the group from the creator’s GroupInfo, keeps it, and serves it to members only', async () => {
    const g = await newGroupState(ann)
    const r = await create(g.groupId, g.groupInfo, ann.token)
    expect([r.status, r.json]).toEqual([201, { groupId: g.groupId, epoch: 0, members: [ann.deviceId] }])
    expect(toBase64Url((await store.groupInfo(g.groupId))!)).toBe(g.groupInfo)
    expect((await http(server.url, 'GET', `/v1/groups/${g.groupId}/group-info`, undefined, ann.token)).json).toEqual({ groupId: g.groupId, epoch: 0, groupInfo: g.groupInfo })
    expect((await http(server.url, 'GET', `/v1/groups/${g.groupId}/group-info`, undefined, bob.token)).json.error?.code).toBe('not_member')
    expect((await http(server.url, 'GET', `/v1/groups/${g.groupId}/group-info`)).json.error?.code).toBe('unauthenticated')
    // The same id again (by anyone, with a valid group info of their own): conflict, and the first stays.
    expect((await create(g.groupId, (await newGroupState(bob, g.groupId)).groupInfo, bob.token)).json.error?.code).toBe('conflict')
    expect(toBase64Url((await store.groupInfo(g.groupId))!)).toBe(g.groupInfo)
  })

  it('refuses another device’s group info, a second leaf, another id, a later epoch, a made-up key and junk', async () => {
    // Bob's new group posted by ann: its only leaf is not the posting device.
    const bobs = await newGroupState(bob)
    await refused(bobs.groupId, bobs.groupInfo, ann.token, 403, 'forbidden')
    // Ann's group with bob added (epoch 1, two leaves).
    const g = await newGroupState(ann)
    const added = await commitBody(g.state, { add: [(await keyPackageOf(bob)).keyPackage] })
    await refused(g.groupId, added.body.groupInfo, ann.token, 400, 'invalid_mls_message')
    // A valid group info for another group id.
    await refused(newGroupId(), g.groupInfo, ann.token, 400, 'invalid_mls_message')
    // Ann's device named, but a key that is not the one she registered.
    const madeUp = await newGroupState({ userId: ann.userId, deviceId: ann.deviceId, ...generateDeviceKey() })
    await refused(madeUp.groupId, madeUp.groupInfo, ann.token, 400, 'invalid_mls_message')
    // Junk, and a group info cut short.
    await refused(newGroupId(), toBase64Url(randomBytes(200)), ann.token, 400, 'invalid_mls_message')
    const cut = Buffer.from(g.groupInfo, 'base64url').subarray(0, 60)
    await refused(g.groupId, toBase64Url(new Uint8Array(cut)), ann.token, 400, 'invalid_mls_message')
    // No group info at all, or without a session.
    const none = await http(server.url, 'POST', '/v1/groups', { groupId: newGroupId() }, ann.token)
    expect([none.status, none.json.error?.code]).toEqual([400, 'bad_request'])
    await refused(g.groupId, g.groupInfo, undefined, 401, 'unauthenticated')
  })
})
