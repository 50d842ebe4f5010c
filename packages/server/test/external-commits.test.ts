// POST /v1/groups/:groupId/external-commits (docs/protocol.md §5.2): a member device that holds no
// usable state rejoins by an external commit from the GroupInfo the server keeps, removing its
// own old leaf (a resync). Validated like any commit (§5.1); accepted only from the device its
// new leaf names, a member; the other members get the commit and stay in step (a real member
// state processes it here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { fromBase64Url, newMessageId, toBase64Url } from '@candor/protocol'
import { joinByExternalCommit, processIncoming } from '@candor/crypto'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { commitBody, externalCommitBody, keyPackageOf, rawConfig, rawGroup, rawSuite } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('external', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

let n = 0
const people = (k: number) => Promise.all(Array.from({ length: k }, () => rawRegister(server.url, `ext${++n}`)))
const postExternal = (g: string, body: unknown, as: RawDevice | undefined) => http(server.url, 'POST', `/v1/groups/${g}/external-commits`, body, as?.token)
const groupInfoOf = async (g: string, as: RawDevice) => (await http(server.url, 'GET', `/v1/groups/${g}/group-info`, undefined, as.token)).json.groupInfo as string

describe('external commits', () => {
  it('a member resyncs from the server’s group info; the others get the commit and stay in step', async () => {
    const [ann, ben] = (await people(2)) as [RawDevice, RawDevice]
    const g = await rawGroup(server.url, ann, [ben])
    const annQueue = await store.pendingCount(ann.deviceId)
    const j = await externalCommitBody(ben, await groupInfoOf(g.groupId, ben))
    const r = await postExternal(g.groupId, j.body, ben)
    expect([r.status, r.json.epoch]).toEqual([200, 2])
    expect([...(await store.getGroup(g.groupId))!.members].sort()).toEqual([ann.deviceId, ben.deviceId].sort())
    expect(await store.pendingCount(ann.deviceId)).toBe(annQueue + 1)
    expect(toBase64Url((await store.groupInfo(g.groupId))!)).toBe(j.body.groupInfo)
    // Ann processes the commit and both commit on from there.
    const got = await processIncoming(await rawSuite, g.state, fromBase64Url(j.body.commit)!)
    expect(got.state.groupContext.epoch).toBe(2n)
    const next = await commitBody(got.state)
    expect((await http(server.url, 'POST', `/v1/groups/${g.groupId}/commits`, next.body, ann.token)).status).toBe(200)
  })

  it('refuses a stranger, another device’s resync, a join that removes nothing, a member commit and junk, changing nothing', async () => {
    const [ann, ben, outsider] = (await people(3)) as [RawDevice, RawDevice, RawDevice]
    const g = await rawGroup(server.url, ann, [ben])
    const info = await groupInfoOf(g.groupId, ann)
    let before = { group: await store.getGroup(g.groupId), info: await store.groupInfo(g.groupId), queued: await store.pendingCount(ann.deviceId) }
    const refused = async (body: unknown, as: RawDevice | undefined, status: number, code: string) => {
      const r = await postExternal(g.groupId, body, as)
      expect([r.status, r.json.error?.code], JSON.stringify(r.json)).toEqual([status, code])
      expect({ group: await store.getGroup(g.groupId), info: await store.groupInfo(g.groupId), queued: await store.pendingCount(ann.deviceId) }).toEqual(before)
    }
    const bens = (await externalCommitBody(ben, info)).body
    await refused(bens, undefined, 401, 'unauthenticated')
    // A device that is no member (it has no leaf to resync) posting ben's resync.
    await refused(bens, outsider, 403, 'not_member')
    // Ben's resync posted by ann (a member, but not the device it names).
    await refused(bens, ann, 403, 'forbidden')
    // Ben joining as a second leaf of his device without removing the first.
    const twice = await joinByExternalCommit(await rawSuite, rawConfig, fromBase64Url(info)!, (await keyPackageOf(ben)).stored, { resync: false })
    await refused({ messageId: newMessageId(), commit: toBase64Url(twice.commit), groupInfo: toBase64Url(twice.groupInfo) }, ben, 400, 'invalid_mls_message')
    // A member's ordinary commit sent here, and junk.
    await refused((await commitBody(g.state)).body, ann, 400, 'invalid_mls_message')
    await refused({ messageId: newMessageId(), commit: info, groupInfo: info }, ben, 400, 'invalid_mls_message')
    // A revoked device cannot resync back in.
    expect((await http(server.url, 'DELETE', `/v1/devices/${ben.deviceId}`, undefined, ben.token)).status).toBe(200)
    before = { group: await store.getGroup(g.groupId), info: await store.groupInfo(g.groupId), queued: await store.pendingCount(ann.deviceId) }
    expect(before.group?.members).toEqual([ann.deviceId])
    await refused(bens, ben, 403, 'device_revoked')
  })
})
