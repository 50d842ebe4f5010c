// Reports and resets (docs/protocol.md §5.3, §5.4) from the people who should not be able to use
// them — a stranger without a token, another user, a non-member, a revoked device, a member with
// a forged signature or another conversation's group — each refused exactly, with nothing
// changed; and the per-member budgets on commits, resets and reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeServerFrame, encodeSend, fromBase64Url, newGroupId, newMessageId, randomBytes, reportStatement, toBase64Url, type DeviceId, type GroupId } from '@candor/protocol'
import { signDetached, type GroupState } from '@candor/crypto'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister, type RawDevice } from './raw-client.ts'
import { commitBody, junkCommit, rawGroup, resetBody } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('recovery', {
    httpRatePerSecond: 10_000,
    recoveryLimits: { commitBurst: 3, commitEveryMs: 60_000, resetBurst: 2, resetEveryMs: 60_000, reportBurst: 2, reportEveryMs: 60_000 },
  })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

let n = 0
const creatorStates = new Map<string, GroupState>()

/** A group of the creator and these devices, added by a real MLS commit (the server validates it). */
async function group(creator: RawDevice, members: RawDevice[]): Promise<GroupId> {
  const g = await rawGroup(server.url, creator, members)
  creatorStates.set(g.groupId, g.state)
  return g.groupId
}

async function people(k: number): Promise<RawDevice[]> {
  return Promise.all(Array.from({ length: k }, () => rawRegister(server.url, `rec${++n}`)))
}

function report(by: RawDevice, groupId: string, over: Partial<{ epoch: number; committer: DeviceId; messageId: string; reason: string }> = {}, signer = by) {
  const r = { epoch: 1, committer: by.deviceId, messageId: newMessageId(), reason: 'decrypt_failed', ...over }
  const signature = toBase64Url(signDetached(signer.secretKey, reportStatement(groupId, r.epoch, r.committer, r.messageId, r.reason)))
  return { ...r, signature }
}

/** What is queued for each of these devices, so a refusal can be shown to have queued nothing. */
async function queued(devices: RawDevice[]): Promise<number[]> {
  return Promise.all(devices.map((d) => store.pendingCount(d.deviceId)))
}

describe('POST /v1/groups/:groupId/reports', () => {
  it('relays a member’s signed report to the other members as deliver kind 4', async () => {
    const [a, b, c] = await people(3)
    const g = await group(a!, [b!, c!])
    const body = report(b!, g, { committer: a!.deviceId })
    const s = await openSocket(server.url, c!.token)
    const r = await http(server.url, 'POST', `/v1/groups/${g}/reports`, body, b!.token)
    expect(r.status).toBe(201)
    let frame
    for (;;) {
      frame = decodeServerFrame(await s.next())
      if (frame.type === 'deliver' && frame.kind === 4) break
    }
    expect(frame).toMatchObject({ kind: 4, groupId: g, sender: b!.deviceId, messageId: body.messageId })
    expect(JSON.parse(new TextDecoder().decode(frame.payload))).toEqual({ ...body, groupId: g })
    s.ws.close()
    // Posted again (a retry), it is stored once.
    const before = await queued([a!])
    expect((await http(server.url, 'POST', `/v1/groups/${g}/reports`, body, b!.token)).status).toBe(201)
    expect(await queued([a!])).toEqual(before)
  })

  it('refuses a stranger, a non-member, a forged or replayed signature and a revoked device, relaying nothing', async () => {
    const [a, b, outsider] = await people(3)
    const g = await group(a!, [b!])
    const other = await group(b!, [a!])
    const before = await queued([a!, b!])
    const refused = async (body: unknown, token: string | undefined, status: number, code: string) => {
      const r = await http(server.url, 'POST', `/v1/groups/${g}/reports`, body, token)
      expect([r.status, r.json.error?.code]).toEqual([status, code])
    }
    await refused(report(b!, g), undefined, 401, 'unauthenticated')
    await refused(report(outsider!, g), outsider!.token, 403, 'not_member')
    // Signed by another device (the outsider), or over another group's statement.
    await refused(report(b!, g, {}, outsider), b!.token, 401, 'bad_signature')
    await refused(report(b!, other), b!.token, 401, 'bad_signature')
    await refused({ ...report(b!, g), reason: 'because' }, b!.token, 400, 'bad_request')
    await refused(report(b!, g, { epoch: 9 }), b!.token, 400, 'bad_request')
    expect((await http(server.url, 'POST', `/v1/groups/${newGroupId()}/reports`, report(b!, g), b!.token)).json.error?.code).toBe('unknown_group')
    expect((await http(server.url, 'DELETE', `/v1/devices/${b!.deviceId}`, undefined, b!.token)).status).toBe(200)
    await refused(report(b!, g), b!.token, 403, 'device_revoked')
    expect(await queued([a!])).toEqual(before.slice(0, 1))
  })
})

describe('POST /v1/conversations/:conversationId/reset', () => {
  it('creates the new group with its resetter only, once per group; a second reset is refused naming the first', async () => {
    const [a, b, c] = await people(3)
    const g = await group(a!, [b!, c!])
    const first = newGroupId()
    const r = await http(server.url, 'POST', `/v1/conversations/${g}/reset`, await resetBody(b!, g, 1, first), b!.token)
    expect(r.status).toBe(201)
    expect(r.json).toMatchObject({ conversationId: g, previousGroup: g, groupId: first, epoch: 1, resetBy: b!.deviceId })
    expect(await store.getGroup(first)).toEqual({ groupId: first, epoch: 0, members: [b!.deviceId] })

    const second = newGroupId()
    const again = await http(server.url, 'POST', `/v1/conversations/${g}/reset`, await resetBody(c!, g, 1, second), c!.token)
    expect([again.status, again.json.error?.code, again.json.error?.details]).toEqual([409, 'conflict', { groupId: first }])
    expect(await store.getGroup(second)).toBeNull()

    // The members learn where the conversation went; the new group is under the same conversation.
    const seen = await http(server.url, 'GET', `/v1/groups/${g}/resets`, undefined, c!.token)
    expect(seen.json).toMatchObject({ groupId: g, conversationId: g, from: null, to: { groupId: first, resetBy: b!.deviceId } })
    const made = await http(server.url, 'GET', `/v1/groups/${first}/resets`, undefined, b!.token)
    expect(made.json).toMatchObject({ groupId: first, conversationId: g, from: { previousGroup: g }, to: null })
    expect((await http(server.url, 'GET', `/v1/groups/${first}/resets`, undefined, c!.token)).json.error?.code).toBe('not_member')
  })

  it('refuses a stranger, another user, a group of another conversation, a taken id and a revoked device, creating nothing', async () => {
    const [a, b, outsider] = await people(3)
    const g = await group(a!, [b!])
    const elsewhere = await group(b!, [a!])
    const refused = async (conversation: string, reset: { previousGroup: string; epoch: number; groupId: string }, token: string | undefined, status: number, code: string) => {
      const body = await resetBody(b!, reset.previousGroup, reset.epoch, reset.groupId as GroupId)
      const r = await http(server.url, 'POST', `/v1/conversations/${conversation}/reset`, body, token)
      expect([r.status, r.json.error?.code]).toEqual([status, code])
      if (body.groupId !== g && body.groupId !== elsewhere) expect(await store.getGroup(body.groupId as GroupId)).toBeNull()
    }
    await refused(g, { previousGroup: g, epoch: 1, groupId: newGroupId() }, undefined, 401, 'unauthenticated')
    await refused(g, { previousGroup: g, epoch: 1, groupId: newGroupId() }, outsider!.token, 403, 'not_member')
    await refused(g, { previousGroup: elsewhere, epoch: 1, groupId: newGroupId() }, b!.token, 400, 'bad_request')
    await refused(g, { previousGroup: g, epoch: 5, groupId: newGroupId() }, b!.token, 400, 'bad_request')
    await refused(g, { previousGroup: g, epoch: 1, groupId: elsewhere }, b!.token, 409, 'conflict')
    await refused(g, { previousGroup: newGroupId(), epoch: 1, groupId: newGroupId() }, b!.token, 404, 'unknown_group')
    // The new group's GroupInfo must be the resetter's own new group (another device's, or junk, is refused).
    const notMine = await resetBody(a!, g, 1)
    const r1 = await http(server.url, 'POST', `/v1/conversations/${g}/reset`, notMine, b!.token)
    expect([r1.status, r1.json.error?.code]).toEqual([403, 'forbidden'])
    const junk = { ...(await resetBody(b!, g, 1)), groupInfo: toBase64Url(randomBytes(90)) }
    const r2 = await http(server.url, 'POST', `/v1/conversations/${g}/reset`, junk, b!.token)
    expect([r2.status, r2.json.error?.code]).toEqual([400, 'invalid_mls_message'])
    for (const body of [notMine, junk]) expect(await store.getGroup(body.groupId)).toBeNull()
    expect((await http(server.url, 'DELETE', `/v1/devices/${b!.deviceId}`, undefined, b!.token)).status).toBe(200)
    await refused(g, { previousGroup: g, epoch: 1, groupId: newGroupId() }, b!.token, 403, 'device_revoked')
    expect(await store.groupResets(g)).toEqual({ from: null, to: null })
    expect(await store.getGroup(g)).toMatchObject({ epoch: 1 })
  })
})

describe('application messages into a reset group', () => {
  /** An MLS-PrivateMessage-shaped application payload naming the group (the server reads its header only). */
  const appMessage = (g: GroupId) => {
    const gid = fromBase64Url(g)!
    const out = new Uint8Array(4 + 1 + gid.length + 8 + 1 + 50)
    out.set([0, 1, 0, 2, gid.length], 0)
    out.set(gid, 5)
    out[5 + gid.length + 8] = 1
    return out
  }
  async function send(d: RawDevice, g: GroupId): Promise<{ type: string; code?: string }> {
    const s = await openSocket(server.url, d.token)
    s.frames.length = 0
    s.ws.send(encodeSend({ reqId: 7, messageId: newMessageId(), groupId: g, payload: appMessage(g) }))
    for (;;) {
      const f = decodeServerFrame(await s.next())
      if (f.type === 'accepted' || f.type === 'error') {
        s.ws.close()
        return f.type === 'error' ? { type: f.type, code: f.code } : { type: f.type }
      }
    }
  }

  it('are refused (conflict) from every member but the resetter, whose announcement still goes to those left out', async () => {
    const [a, b, c] = await people(3)
    const g = await group(a!, [b!, c!])
    expect(await send(c!, g)).toEqual({ type: 'accepted' })
    const before = await queued([a!, c!])
    const r = await http(server.url, 'POST', `/v1/conversations/${g}/reset`, await resetBody(b!, g, 1, newGroupId()), b!.token)
    expect(r.status).toBe(201)
    // A message here would be "sent" to members who have moved on: refused, so its sender sends it in the new group.
    expect(await send(c!, g)).toEqual({ type: 'error', code: 'conflict' })
    expect(await send(a!, g)).toEqual({ type: 'error', code: 'conflict' })
    expect(await queued([a!, c!])).toEqual(before)
    // The resetter's announcement in the old group (for whoever was left out) still goes.
    expect(await send(b!, g)).toEqual({ type: 'accepted' })
    expect(await queued([a!, c!])).toEqual(before.map((q) => q + 1))
  })
})

describe('per-member budgets', () => {
  it('commits in a loop: refused with rate_limited past the budget, while the other members still commit', async () => {
    const [a, b] = await people(2)
    const g = await group(a!, [b!])
    const codes: string[] = []
    for (let i = 0; i < 6; i++) {
      // Junk (refused by validation) counts against the budget as a valid commit does.
      const epoch = (await store.getGroup(g))!.epoch
      const commit = toBase64Url(junkCommit(fromBase64Url(g)!, epoch, randomBytes, 1))
      const r = await http(server.url, 'POST', `/v1/groups/${g}/commits`, { messageId: newMessageId(), commit, groupInfo: commit }, b!.token)
      codes.push(r.status === 200 ? 'ok' : String(r.json.error?.code))
    }
    expect(codes).toEqual(['invalid_mls_message', 'invalid_mls_message', 'invalid_mls_message', 'rate_limited', 'rate_limited', 'rate_limited'])
    expect((await store.getGroup(g))!.epoch).toBe(1)
    const update = await commitBody(creatorStates.get(g)!)
    const r = await http(server.url, 'POST', `/v1/groups/${g}/commits`, update.body, a!.token)
    expect(r.status).toBe(200)
    expect((await store.getGroup(g))!.epoch).toBe(2)
  })

  it('resets in a loop, group after group of one conversation: refused past the budget', async () => {
    const [a, b] = await people(2)
    const g = await group(a!, [b!])
    let current: string = g
    const codes: string[] = []
    for (let i = 0; i < 4; i++) {
      const next = newGroupId()
      const r = await http(server.url, 'POST', `/v1/conversations/${g}/reset`, await resetBody(b!, current, 0, next), b!.token)
      codes.push(r.status === 201 ? 'ok' : String(r.json.error?.code))
      if (r.status === 201) current = next
      else expect(r.json.error?.message).toMatch(/at most 2 at once/)
    }
    expect(codes).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited'])
    expect((await store.groupResets(current as GroupId)).to).toBeNull()
  })

  it('reports in a loop: refused past the budget, nothing more relayed', async () => {
    const [a, b] = await people(2)
    const g = await group(a!, [b!])
    const codes: number[] = []
    for (let i = 0; i < 4; i++) codes.push((await http(server.url, 'POST', `/v1/groups/${g}/reports`, report(b!, g), b!.token)).status)
    expect(codes).toEqual([201, 201, 429, 429])
    expect(await store.pendingCount(a!.deviceId)).toBe(2)
  })
})
