// A device whose socket dropped acknowledges, right behind the `auth` frame of its next socket,
// what it processed meanwhile (the SDK keeps acks made offline and sends them first). The server
// has read those acks before it reads the queue for the new socket, so it must not push them
// again (found reading the delivery path while writing the soak's rules, npm run soak).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeServerFrame, encodeAck, encodeAuth, encodeSend, fromBase64Url, newGroupId, newMessageId, type GroupId } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister, rawSocket, type RawSocket } from './raw-client.ts'
import { createGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('ack-reconnect', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

/** The plaintext header of an MLS PrivateMessage (application content) for a group, then filler. */
function fakeCiphertext(groupId: GroupId): Uint8Array {
  const gid = fromBase64Url(groupId)!
  const out = new Uint8Array(4 + 1 + gid.length + 8 + 1 + 50)
  out.set([0, 1, 0, 2, gid.length], 0)
  out.set(gid, 5)
  out[5 + gid.length + 8] = 1
  return out
}

/** The seqs of every deliver frame the socket gets within `ms`. */
async function deliveredWithin(s: RawSocket, ms: number): Promise<number[]> {
  const seqs: number[] = []
  const until = Date.now() + ms
  while (Date.now() < until) {
    const f = s.frames.shift()
    if (!f) {
      await new Promise((r) => setTimeout(r, 10))
      continue
    }
    const d = decodeServerFrame(f)
    if (d.type === 'deliver') seqs.push(d.seq)
  }
  return seqs
}

describe('acks sent right behind auth on a new socket', () => {
  it('are applied before the queue is read: what they acknowledge is not pushed again, the rest is', async () => {
    const alice = await rawRegister(server.url, 'alice')
    const bob = await rawRegister(server.url, 'bob')
    const group = newGroupId()
    await createGroup(server.url, alice, group)
    await store.acceptCommit({ groupId: group, epoch: 0, sender: alice.deviceId, messageId: newMessageId(), sentAt: Date.now(), commit: new Uint8Array(1), welcome: new Uint8Array(1), added: [bob.deviceId], removed: [], groupInfo: new Uint8Array([0, 1, 0, 4]) })
    server.context.roster.changed(group)

    // Bob's first socket is pushed the welcome and 5 messages, then drops without acknowledging.
    const first = await openSocket(server.url, bob.token)
    const a = await openSocket(server.url, alice.token)
    for (let i = 1; i <= 5; i++) a.ws.send(encodeSend({ reqId: i, messageId: newMessageId(), groupId: group, payload: fakeCiphertext(group) }))
    const pushed = (await deliveredWithin(first, 700)).sort((x, y) => x - y)
    expect(pushed).toHaveLength(6)
    first.ws.terminate()
    await first.closed

    // Offline, bob processed all but the last; his next socket acknowledges them right behind auth.
    const acked = pushed.slice(0, -1)
    const second = await rawSocket(server.url)
    second.ws.send(encodeAuth(bob.token))
    second.ws.send(encodeAck(acked))
    const again = await deliveredWithin(second, 700)
    expect(again).toEqual([pushed.at(-1)])
    expect(await store.pendingCount(bob.deviceId)).toBe(1)
    a.ws.close()
    second.ws.close()
  })
})
