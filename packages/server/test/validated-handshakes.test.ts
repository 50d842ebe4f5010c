// The server validates every commit against the group's public state (docs/protocol.md §5.1),
// through a real server with raw clients speaking real MLS (raw-mls.ts): a member's junk commit,
// a forged or mismatched one, a commit posted by another device than its signer, adding a
// device that is not active or with a key that is not the device's, are refused and change
// nothing, and the group goes on; the delivery roster follows the validated tree, never a list
// the client declares, and a revoked device still in the tree gets nothing. (The same through
// real SDK clients: packages/sdk/test/recovery.test.ts, "(junk) is refused by the server".)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { fromBase64Url, randomBytes, toBase64Url, type GroupId } from '@candor/protocol'
import { generateDeviceKey } from '@candor/crypto'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { commitBody, junkCommit, keyPackageOf, rawGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('validated', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

let n = 0
const people = (k: number) => Promise.all(Array.from({ length: k }, () => rawRegister(server.url, `vh${++n}`)))
const post = (g: string, body: unknown, as: RawDevice) => http(server.url, 'POST', `/v1/groups/${g}/commits`, body, as.token)
const roster = async (g: GroupId) => [...(await store.getGroup(g))!.members].sort()
const queues = (ds: RawDevice[]) => Promise.all(ds.map((d) => store.pendingCount(d.deviceId)))

/** Refused with this code, and the group (epoch, roster, group info) and every queue unchanged. */
async function refusedUnchanged(g: GroupId, watch: RawDevice[], attempt: () => Promise<{ status: number; json: { error?: { code: string } } }>, code: string) {
  const before = { group: await store.getGroup(g), info: await store.groupInfo(g), queued: await queues(watch) }
  const r = await attempt()
  expect(r.json.error?.code, JSON.stringify(r.json)).toBe(code)
  expect({ group: await store.getGroup(g), info: await store.groupInfo(g), queued: await queues(watch) }).toEqual(before)
}

describe('commits validated against the group’s public state', () => {
  it('a member’s junk commit with a valid header is refused, and honest members still commit', async () => {
    const [ann, ben, mal] = (await people(3)) as [RawDevice, RawDevice, RawDevice]
    const g = await rawGroup(server.url, ann, [ben, mal])
    const junk = toBase64Url(junkCommit(fromBase64Url(g.groupId)!, 1, randomBytes, 2))
    await refusedUnchanged(g.groupId, [ann, ben], () => post(g.groupId, { messageId: g.groupId, commit: junk, groupInfo: g.groupInfo }, mal), 'invalid_mls_message')
    // Not frozen: ann's real commit at the same epoch is accepted, and reaches ben and mal.
    const before = await queues([ben, mal])
    const update = await commitBody(g.state)
    expect((await post(g.groupId, update.body, ann)).status).toBe(200)
    expect((await store.getGroup(g.groupId))!.epoch).toBe(2)
    expect(await queues([ben, mal])).toEqual(before.map((q) => q + 1))
  })

  it('a forged signature, another group’s commit, a mismatched group info or another device’s commit are refused', async () => {
    const [ann, ben, mal] = (await people(3)) as [RawDevice, RawDevice, RawDevice]
    const g = await rawGroup(server.url, ann, [ben, mal])
    const c = await commitBody(g.state)
    const forged = fromBase64Url(c.body.commit)!.slice()
    forged[forged.length - 80]! ^= 1 // inside the signature (the confirmation tag and membership tag follow it)
    await refusedUnchanged(g.groupId, [ben, mal], () => post(g.groupId, { ...c.body, commit: toBase64Url(forged) }, ann), 'invalid_mls_message')
    // The group info of another commit, or the group's current one: the tree they describe is not the commit's.
    const other = await commitBody(g.state)
    await refusedUnchanged(g.groupId, [ben, mal], () => post(g.groupId, { ...c.body, groupInfo: other.body.groupInfo }, ann), 'invalid_mls_message')
    await refusedUnchanged(g.groupId, [ben, mal], () => post(g.groupId, { ...c.body, groupInfo: g.groupInfo }, ann), 'invalid_mls_message')
    // Ann's valid commit posted by mal (a member, but not its signer).
    await refusedUnchanged(g.groupId, [ann, ben], () => post(g.groupId, c.body, mal), 'forbidden')
    // A commit of another group.
    const elsewhere = await rawGroup(server.url, ann, [])
    const foreign = await commitBody(elsewhere.state)
    await refusedUnchanged(g.groupId, [ben, mal], () => post(g.groupId, foreign.body, ann), 'invalid_mls_message')
    // And the real one is accepted.
    expect((await post(g.groupId, c.body, ann)).status).toBe(200)
  })

  it('adding a device needs the device’s own key: a key package made with another key, or of a revoked device, is refused', async () => {
    const [ann, ben, vic] = (await people(3)) as [RawDevice, RawDevice, RawDevice]
    const g = await rawGroup(server.url, ann, [ben])
    // A key package naming vic's device but signed with a key ann made up: the leaf is valid MLS, the key is not vic's.
    const fake = await keyPackageOf({ userId: vic.userId, deviceId: vic.deviceId, ...generateDeviceKey() })
    const c1 = await commitBody(g.state, { add: [fake.keyPackage] })
    await refusedUnchanged(g.groupId, [ben, vic], () => post(g.groupId, c1.body, ann), 'invalid_mls_message')
    // Vic's real key package, but vic's device is revoked.
    const real = await keyPackageOf(vic)
    expect((await http(server.url, 'DELETE', `/v1/devices/${vic.deviceId}`, undefined, vic.token)).status).toBe(200)
    const c2 = await commitBody(g.state, { add: [real.keyPackage] })
    await refusedUnchanged(g.groupId, [ben], () => post(g.groupId, c2.body, ann), 'unknown_device')
  })

  it('the roster follows the validated tree: added leaves join it, removed ones leave it, and a revoked device still in the tree gets nothing', async () => {
    const [ann, ben, benLaptop, cat] = (await people(4)) as [RawDevice, RawDevice, RawDevice, RawDevice]
    const g = await rawGroup(server.url, ann, [ben, benLaptop])
    expect(await roster(g.groupId)).toEqual([ann.deviceId, ben.deviceId, benLaptop.deviceId].sort())
    // The commit declares nothing: a body naming whom it adds is refused outright.
    const declared = await commitBody(g.state)
    await refusedUnchanged(g.groupId, [ben], () => post(g.groupId, { ...declared.body, added: [cat.deviceId] }, ann), 'bad_request')

    // The laptop is revoked: off the roster at once, though it is still a leaf of the tree.
    expect((await http(server.url, 'DELETE', `/v1/devices/${benLaptop.deviceId}`, undefined, benLaptop.token)).status).toBe(200)
    expect(await roster(g.groupId)).toEqual([ann.deviceId, ben.deviceId].sort())
    const laptopQueue = await store.pendingCount(benLaptop.deviceId)
    // Ann adds cat (the laptop's leaf stays): cat joins the roster, the laptop does not come back.
    const add = await commitBody(g.state, { add: [(await keyPackageOf(cat)).keyPackage] })
    expect((await post(g.groupId, add.body, ann)).status).toBe(200)
    expect(await roster(g.groupId)).toEqual([ann.deviceId, ben.deviceId, cat.deviceId].sort())
    expect(await store.pendingCount(benLaptop.deviceId)).toBe(laptopQueue)
    expect(await store.pendingCount(cat.deviceId)).toBe(1) // the welcome

    // Ann removes ben's phone (leaf 1): it leaves the roster, and is sent the commit that removed it.
    const benQueue = await store.pendingCount(ben.deviceId)
    const remove = await commitBody(add.state, { remove: [1] })
    expect((await post(g.groupId, remove.body, ann)).status).toBe(200)
    expect(await roster(g.groupId)).toEqual([ann.deviceId, cat.deviceId].sort())
    expect(await store.pendingCount(ben.deviceId)).toBe(benQueue + 1)
    expect(await store.pendingCount(benLaptop.deviceId)).toBe(laptopQueue)
    // The group info the server now serves is the one posted with that commit.
    const served = await http(server.url, 'GET', `/v1/groups/${g.groupId}/group-info`, undefined, cat.token)
    expect(served.json).toEqual({ groupId: g.groupId, epoch: 3, groupInfo: remove.body.groupInfo })
    expect((await http(server.url, 'GET', `/v1/groups/${g.groupId}/group-info`, undefined, ben.token)).json.error?.code).toBe('not_member')
  })
})
