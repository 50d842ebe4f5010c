// Strangers and insiders get nothing: every HTTP route the server registered and every WebSocket
// frame type, walked as the people who should not be able to use them — no token, a forged
// token, a revoked device, another user's device, a non-member, a non-admin — asserting the exact
// refusal (status and error code) and that the database is byte-for-byte what it was (a digest
// of every table, read through a second, read-only connection). The rows are in
// authorization-matrix.ts; a route without a row fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import {
  CloseCode,
  ERROR_STATUS,
  FrameType,
  decodeServerFrame,
  encodeSend,
  newGroupId,
  newMessageId,
  type ErrorFrame,
} from '@candor/protocol'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { http, httpBytes, openSocket, rawRegister, rawSocket, type RawDevice, type RawSocket } from './raw-client.ts'
import { FRAME_ROWS, HTTP_ROWS, mlsMessage, type Req, type Row, type World } from './authorization-matrix.ts'
import { buildWorld, databaseDigest, folderDigest, strangerDevice } from './authorization-world.ts'
import { createGroup } from './raw-mls.ts'

let dir: string
let store: SqliteStore
let blobs: FolderBlobStore
let db: Database.Database
let server: CandorServer
let w: World
/** Someone with a key and no account: what a stranger signs with. */
let stranger: RawDevice

const digest = () => ({ ...databaseDigest(db), ...folderDigest(join(dir, 'blobs')) })

async function send(token: string | undefined, method: string, req: Req) {
  if (req.bytes || req.path.endsWith('/content')) return httpBytes(server.url, method, req.path, req.bytes, token)
  return http(server.url, method, req.path, req.body, token)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-matrix-'))
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  // The sweepers stay out of the way: nothing may change the database but the requests.
  blobs = await FolderBlobStore.open(join(dir, 'blobs'))
  server = await createServer({ store, blobs, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 100_000, retentionSweepMs: 3_600_000, receiptSweepMs: 3_600_000, blobSweepMs: 3_600_000 })
  db = new Database(join(dir, 'db.sqlite'), { readonly: true, fileMustExist: true })
  w = await buildWorld(server, store)
  stranger = strangerDevice()
})

afterAll(async () => {
  db?.close()
  await server?.close()
  await store?.close()
  await blobs?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Makes the request as `as` (with `token`) and asserts the exact refusal and an unchanged database. */
async function refused(method: string, row: Row, as: RawDevice, token: string | undefined, code: keyof typeof ERROR_STATUS): Promise<void> {
  const req = await row.build(w, as)
  const before = digest()
  const r = await send(token, method, req)
  expect({ status: r.status, code: r.json.error?.code }, JSON.stringify(r.json)).toEqual({ status: ERROR_STATUS[code], code })
  expect(digest()).toEqual(before)
}

/** The ids of alice's things: none may appear in what another user is served. */
const aliceIds = () => [w.alice.userId, w.alice.deviceId, w.aliceTablet, w.group, w.pending.deviceId, w.blob, w.upload, w.invite, w.archive, w.archiveUpload, w.request, w.blocked, w.dataRight]

describe('the HTTP route table', () => {
  it('has a row for every route the server registered, and no row for a route it does not serve', () => {
    expect(server.routes.length).toBeGreaterThan(30)
    expect([...server.routes].sort()).toEqual(Object.keys(HTTP_ROWS).sort())
  })
})

for (const [route, row] of Object.entries(HTTP_ROWS)) {
  const [method] = route.split(' ') as [string]
  describe(route, () => {
    const a = row.access
    if (a.kind === 'public') {
      if (a.stranger) {
        const code = a.stranger
        it(`a stranger's attack is ${code} and changes nothing (public: ${a.why})`, () => refused(method, row, stranger, undefined, code))
      } else {
        it(`a stranger's call changes nothing (public: ${a.why})`, async () => {
          const before = digest()
          const r = await send(undefined, method, await row.build(w, stranger))
          expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
          expect(digest()).toEqual(before)
        })
      }
      return
    }
    if (a.kind === 'scim') {
      const scimRefused = async (token: string | undefined, status: number) => {
        const before = digest()
        const r = await send(token, method, await row.build(w, w.alice))
        expect({ status: r.status, schemas: r.json['schemas'] }, JSON.stringify(r.json)).toEqual({ status, schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] })
        expect(digest()).toEqual(before)
      }
      if (method === 'GET') {
        it('control: the organisation’s own SCIM token is served', async () => {
          const r = await send(w.scim.token, method, await row.build(w, w.alice))
          expect(r.status, JSON.stringify(r.json)).toBe(200)
        })
      }
      it('no token: 401, nothing changed', () => scimRefused(undefined, 401))
      it('a made-up SCIM token: 401, nothing changed', () => scimRefused(`scim_${'A'.repeat(43)}`, 401))
      it('a revoked SCIM token: 401, nothing changed', () => scimRefused(w.scim.revoked, 401))
      it('a device’s session token: 401, nothing changed', () => scimRefused(w.alice.token, 401))
      const other = a.otherOrg
      if (typeof other === 'number') {
        it(`a SCIM token of another organisation: ${other}, nothing changed`, () => scimRefused(w.scim.otherOrg, other))
      } else {
        it(`a SCIM token of another organisation is served ${other === 'own-data' ? 'only its own organisation’s' : 'what every organisation is (discovery)'}, and nothing changes`, async () => {
          const before = digest()
          const r = await send(w.scim.otherOrg, method, await row.build(w, w.alice))
          expect(r.status, JSON.stringify(r.json)).toBe(200)
          const text = JSON.stringify(r.json)
          for (const id of [w.scim.user, w.scim.userName, w.scim.group]) expect(text).not.toContain(id)
          expect(digest()).toEqual(before)
        })
      }
      return
    }
    if (method === 'GET') {
      // Control: the same request by its rightful user is served, so each refusal below is about
      // who asks, not what is asked.
      it('control: the rightful user’s same request is served', async () => {
        const as = row.as === 'officer' ? w.officer : a.kind === 'admin' ? w.admin : w.alice
        const r = await send(as.token, method, await row.build(w, as))
        expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
      })
    }
    it('no token: 401 unauthenticated, nothing changed', () => refused(method, row, w.alice, undefined, 'unauthenticated'))
    it('a forged token: 401 unauthenticated, nothing changed', () => {
      const [kid, body] = w.alice.token.split('.')
      return refused(method, row, w.alice, `${kid}.${body}.${'A'.repeat(43)}`, 'unauthenticated')
    })
    it('a revoked device’s unexpired token: 403 device_revoked, nothing changed', () => refused(method, row, w.revoked, w.revoked.token, 'device_revoked'))
    if (a.kind === 'member') {
      it('another user’s device, no member of the group: 403 not_member, nothing changed', () => refused(method, row, w.bob, w.bob.token, 'not_member'))
    } else if (a.kind === 'admin') {
      it('a user without admin rights: 403 forbidden, nothing changed', () => refused(method, row, w.bob, w.bob.token, 'forbidden'))
      if (a.operatorOnly) it('an admin without operator rights: 403 forbidden, nothing changed', () => refused(method, row, w.orgAdmin, w.orgAdmin.token, 'forbidden'))
      const otherOrg = a.otherOrg
      if (otherOrg) it(`an admin of another organisation: ${ERROR_STATUS[otherOrg]} ${otherOrg}, nothing changed`, () => refused(method, row, w.otherOrgAdmin, w.otherOrgAdmin.token, otherOrg))
    } else if (typeof a.otherUser === 'string' && a.otherUser !== 'own-data') {
      const code = a.otherUser
      it(`another user’s device aiming at alice’s: ${ERROR_STATUS[code]} ${code}, nothing changed`, () => refused(method, row, w.bob, w.bob.token, code))
    } else if (a.otherUser === 'own-data') {
      it('another user’s device is served only its own data, and nothing changes', async () => {
        const before = digest()
        const r = await send(w.bob.token, method, await row.build(w, w.bob))
        expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
        const text = JSON.stringify(r.json)
        for (const id of aliceIds()) expect(text).not.toContain(id)
        expect(digest()).toEqual(before)
      })
    } else if (method === 'GET') {
      it(`another user’s device may (${a.otherUser.allowed}), and it changes nothing`, async () => {
        const before = digest()
        const r = await send(w.bob.token, method, await row.build(w, w.bob))
        expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
        expect(digest()).toEqual(before)
      })
    }
  })
}

/** The next error frame on the socket. */
async function errorFrame(s: RawSocket): Promise<ErrorFrame> {
  for (;;) {
    const f = decodeServerFrame(await s.next())
    if (f.type === 'error') return f
  }
}

// A person's own data-rights request: to their organisation's admins (the operator, support) and
// another organisation's owner it does not exist either.
describe('POST /v1/account/data-rights/:id/withdraw, by admins', () => {
  const row = HTTP_ROWS['POST /v1/account/data-rights/:id/withdraw']!
  it('the operator of alice’s organisation: 404 not_found, nothing changed', () => refused('POST', row, w.admin, w.admin.token, 'not_found'))
  it('a support admin of alice’s organisation: 404 not_found, nothing changed', () => refused('POST', row, w.orgAdmin, w.orgAdmin.token, 'not_found'))
  it('the owner of another organisation: 404 not_found, nothing changed', () => refused('POST', row, w.otherOrgAdmin, w.otherOrgAdmin.token, 'not_found'))
})

describe('WebSocket frames', () => {
  it('every frame type has a row', () => {
    expect(Object.keys(FRAME_ROWS).sort()).toEqual(Object.keys(FrameType).sort())
  })

  for (const [type, row] of Object.entries(FRAME_ROWS)) {
    if (type === 'auth') continue
    it(`${type} before auth: the socket closes ${CloseCode.authRequired} auth_required and nothing changed`, async () => {
      const before = digest()
      const s = await rawSocket(server.url)
      s.ws.send(row.frame(w, w.bob))
      expect(await s.closed).toEqual({ code: CloseCode.authRequired, reason: 'auth_required' })
      expect(s.frames).toEqual([])
      expect(digest()).toEqual(before)
    })
  }

  it('auth with a forged token: closes 4003 unauthenticated; with a revoked device’s token: 4003 device_revoked', async () => {
    const before = digest()
    const [kid, body] = w.alice.token.split('.')
    await expect(openSocket(server.url, `${kid}.${body}.${'A'.repeat(43)}`)).rejects.toThrow(`${CloseCode.authRefused} unauthenticated`)
    await expect(openSocket(server.url, w.revoked.token)).rejects.toThrow(`${CloseCode.authRefused} device_revoked`)
    expect(digest()).toEqual(before)
  })

  for (const [type, row] of Object.entries(FRAME_ROWS)) {
    const what = row.signedIn
    if (what === 'reauth') {
      it(`${type} again on a signed-in socket with another device’s token: closes 4003 forbidden, nothing changed`, async () => {
        const before = digest()
        const s = await openSocket(server.url, w.bob.token)
        s.ws.send(row.frame(w, w.bob))
        expect(await s.closed).toEqual({ code: CloseCode.authRefused, reason: 'forbidden' })
        expect(digest()).toEqual(before)
      })
    } else if (what === 'ack-foreign') {
      it(`${type} of another device’s seq: that device’s queue keeps it, nothing changed`, async () => {
        const before = digest()
        const s = await openSocket(server.url, w.bob.token)
        s.ws.send(row.frame(w, w.bob))
        // A send the server answers, after the ack: frames are handled in order.
        s.ws.send(encodeSend({ reqId: 99, messageId: newMessageId(), groupId: newGroupId(), payload: new Uint8Array([0, 1, 0, 2]) }))
        expect(await errorFrame(s)).toMatchObject({ reqId: 99, code: 'unknown_group' })
        await new Promise((r) => setTimeout(r, 50))
        expect(await store.pendingCount(w.amy.deviceId)).toBe(1)
        expect(digest()).toEqual(before)
        s.ws.close()
      })
    } else {
      it(`${type} from a signed-in device that may not use it: error ${what}, nothing changed`, async () => {
        const before = digest()
        const s = await openSocket(server.url, w.bob.token)
        s.ws.send(row.frame(w, w.bob))
        const e = await errorFrame(s)
        expect(e.code).toBe(what)
        if (type === 'send' || type === 'sendEphemeral') expect(e.reqId).toBe(7)
        expect(digest()).toEqual(before)
        s.ws.close()
      })
    }
  }

  it('send to a group that does not exist: error unknown_group, nothing changed', async () => {
    const before = digest()
    const s = await openSocket(server.url, w.bob.token)
    const g = newGroupId()
    s.ws.send(encodeSend({ reqId: 5, messageId: newMessageId(), groupId: g, payload: mlsMessage(g, 0, 1) }))
    expect(await errorFrame(s)).toMatchObject({ reqId: 5, code: 'unknown_group' })
    expect(digest()).toEqual(before)
    s.ws.close()
  })

  it('a member’s send carrying a proposal or a commit (content type 2 or 3): error invalid_mls_message, nothing queued (a private proposal would freeze the group)', async () => {
    const rex = await rawRegister(server.url, 'matrix-rex-proposal')
    const group = newGroupId()
    await createGroup(server.url, rex, group)
    await store.acceptCommit({ groupId: group, epoch: 0, sender: rex.deviceId, messageId: newMessageId(), sentAt: Date.now(), commit: mlsMessage(group, 0, 3), welcome: new Uint8Array([0, 1, 0, 3]), added: [w.amy.deviceId], removed: [], groupInfo: new Uint8Array([0, 1, 0, 4]) })
    server.context.roster.changed(group)
    const queued = await store.pendingCount(w.amy.deviceId)
    const s = await openSocket(server.url, rex.token)
    for (const [reqId, contentType] of [[11, 2], [12, 3]] as const) {
      s.ws.send(encodeSend({ reqId, messageId: newMessageId(), groupId: group, payload: mlsMessage(group, 1, contentType) }))
      expect(await errorFrame(s)).toMatchObject({ reqId, code: 'invalid_mls_message' })
    }
    // Control: an application message from the same socket is queued for amy.
    s.ws.send(encodeSend({ reqId: 13, messageId: newMessageId(), groupId: group, payload: mlsMessage(group, 1, 1) }))
    for (;;) if (decodeServerFrame(await s.next()).type === 'accepted') break
    expect(await store.pendingCount(w.amy.deviceId)).toBe(queued + 1)
    s.ws.close()
  })

  it('a revoked device’s still-open socket: its frames after the revocation deliver nothing; it closes 4001', async () => {
    const rex = await rawRegister(server.url, 'matrix-rex')
    const group = newGroupId()
    await createGroup(server.url, rex, group)
    await store.acceptCommit({ groupId: group, epoch: 0, sender: rex.deviceId, messageId: newMessageId(), sentAt: Date.now(), commit: mlsMessage(group, 0, 3), welcome: new Uint8Array([0, 1, 0, 3]), added: [w.amy.deviceId], removed: [], groupInfo: new Uint8Array([0, 1, 0, 4]) })
    server.context.roster.changed(group)
    const queued = await store.pendingCount(w.amy.deviceId)
    const s = await openSocket(server.url, rex.token)
    // Control: before the revocation, the same socket's send reaches amy's queue.
    s.ws.send(encodeSend({ reqId: 1, messageId: newMessageId(), groupId: group, payload: mlsMessage(group, 1, 1) }))
    for (;;) if (decodeServerFrame(await s.next()).type === 'accepted') break
    expect(await store.pendingCount(w.amy.deviceId)).toBe(queued + 1)
    expect((await http(server.url, 'DELETE', `/v1/devices/${rex.deviceId}`, undefined, rex.token)).status).toBe(200)
    s.ws.send(encodeSend({ reqId: 2, messageId: newMessageId(), groupId: group, payload: mlsMessage(group, 1, 1) }))
    expect(await s.closed).toEqual({ code: CloseCode.sessionEnded, reason: 'revoked' })
    await new Promise((r) => setTimeout(r, 50))
    expect(await store.pendingCount(w.amy.deviceId)).toBe(queued + 1)
    const got = s.frames.map((f) => decodeServerFrame(f))
    expect(got.some((f) => f.type === 'accepted' && f.reqId === 2)).toBe(false)
  })
})
