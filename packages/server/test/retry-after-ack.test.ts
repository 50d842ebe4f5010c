// A sender whose socket dropped before `accepted` came sends again under the same message id
// (the SDK does, up to 5 times). If the recipient had meanwhile been delivered the first copy
// and acknowledged it, the server must still know the message: the retry is a duplicate, and
// the recipient is not pushed it a second time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeServerFrame, encodeAck, encodeSend, fromBase64Url, newGroupId, newMessageId, type GroupId, type ServerFrame } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister, type RawSocket } from './raw-client.ts'
import { createGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('retry-after-ack', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

function fakeCiphertext(groupId: GroupId): Uint8Array {
  const gid = fromBase64Url(groupId)!
  const out = new Uint8Array(4 + 1 + gid.length + 8 + 1 + 50)
  out.set([0, 1, 0, 2, gid.length], 0)
  out.set(gid, 5)
  out[5 + gid.length + 8] = 1
  return out
}

/** Frames until one passes `done` (within 10 s). */
async function framesUntil(s: RawSocket, done: (f: ServerFrame) => boolean) {
  const out: ServerFrame[] = []
  for (;;) {
    const f = decodeServerFrame(await s.next())
    out.push(f)
    if (done(f)) return out
  }
}

/** Every frame within `ms`. */
async function framesWithin(s: RawSocket, ms: number) {
  const out = []
  const until = Date.now() + ms
  while (Date.now() < until) {
    const f = s.frames.shift()
    if (!f) {
      await new Promise((r) => setTimeout(r, 10))
      continue
    }
    out.push(decodeServerFrame(f))
  }
  return out
}

describe('a send retried after its recipients acknowledged it', () => {
  for (const recipients of [1, 2]) {
    it(`is a duplicate: accepted with the first sentAt, and not pushed again (${recipients} recipient device${recipients > 1 ? 's' : ''})`, async () => {
      const alice = await rawRegister(server.url, `alice${recipients}`)
      const others = await Promise.all(Array.from({ length: recipients }, (_, i) => rawRegister(server.url, `bob${recipients}x${i}`)))
      const group = newGroupId()
      await createGroup(server.url, alice, group)
      await store.acceptCommit({ groupId: group, epoch: 0, sender: alice.deviceId, messageId: newMessageId(), sentAt: Date.now(), commit: new Uint8Array(1), welcome: new Uint8Array(1), added: others.map((o) => o.deviceId), removed: [], groupInfo: new Uint8Array([0, 1, 0, 4]) })
      server.context.roster.changed(group)
      const sockets = await Promise.all(others.map((o) => openSocket(server.url, o.token)))
      for (const s of sockets) {
        // The welcome (acknowledged), then synced.
        const welcome = (await framesUntil(s, (f) => f.type === 'deliver')).at(-1)!
        s.ws.send(encodeAck([welcome.type === 'deliver' ? welcome.seq : 0]))
      }

      const a = await openSocket(server.url, alice.token)
      const messageId = newMessageId()
      const payload = fakeCiphertext(group)
      a.ws.send(encodeSend({ reqId: 1, messageId, groupId: group, payload }))
      const first = (await framesUntil(a, (f) => f.type === 'accepted' || f.type === 'error')).at(-1)
      expect(first?.type).toBe('accepted')
      for (const s of sockets) {
        const d = (await framesUntil(s, (f) => f.type === 'deliver')).at(-1)!
        expect(d.type === 'deliver' && d.messageId).toBe(messageId)
        s.ws.send(encodeAck([d.type === 'deliver' ? d.seq : 0]))
      }
      // The acks are handled when the server gets to them: wait for that, not for a fixed time.
      for (const o of others) await expect.poll(() => store.pendingCount(o.deviceId), { timeout: 30_000 }).toBe(0)

      // The retry (as after a lost `accepted`).
      a.ws.send(encodeSend({ reqId: 2, messageId, groupId: group, payload }))
      const again = (await framesUntil(a, (f) => f.type === 'accepted' || f.type === 'error')).at(-1)
      expect(again).toEqual({ type: 'accepted', reqId: 2, sentAt: first!.type === 'accepted' ? first!.sentAt : NaN })
      for (const s of sockets) expect((await framesWithin(s, 500)).filter((f) => f.type === 'deliver')).toEqual([])
      for (const o of others) expect(await store.pendingCount(o.deviceId)).toBe(0)
      a.ws.close()
      for (const s of sockets) s.ws.close()
    })
  }
})
