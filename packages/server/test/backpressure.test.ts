// A device that stops acknowledging gets at most the delivery window pushed to it; the rest
// stays in the store until it acknowledges, so a slow device cannot grow the server's memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS, decodeServerFrame, encodeAck, encodeSend, fromBase64Url, newGroupId, newMessageId, type GroupId } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister } from './raw-client.ts'
import { createGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('backpressure', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

/** The plaintext header of an MLS PrivateMessage (application content) for a group, then filler. */
function fakeCiphertext(groupId: GroupId): Uint8Array {
  const gid = fromBase64Url(groupId)!
  const out = new Uint8Array(4 + 1 + gid.length + 8 + 1 + 200)
  out.set([0, 1, 0, 2, gid.length], 0)
  out.set(gid, 5)
  out[5 + gid.length + 8] = 1
  return out
}

describe('backpressure', () => {
  it('pushes at most the window to a device that does not acknowledge, and resumes on ack', async () => {
    const sender = await rawRegister(server.url, 'sender')
    const slow = await rawRegister(server.url, 'slow')
    const group = newGroupId()
    await createGroup(server.url, sender, group)
    // Put the slow device on the delivery roster directly (the MLS side is not under test here).
    await store.acceptCommit({ groupId: group, epoch: 0, sender: sender.deviceId, messageId: newMessageId(), sentAt: Date.now(), commit: new Uint8Array(1), welcome: new Uint8Array(1), added: [slow.deviceId], removed: [], groupInfo: new Uint8Array([0, 1, 0, 4]) })
    server.context.roster.changed(group)

    const s = await openSocket(server.url, sender.token)
    const N = LIMITS.deliveryWindow * 3
    const payload = fakeCiphertext(group)
    for (let i = 0; i < N; i++) s.ws.send(encodeSend({ reqId: i + 1, messageId: newMessageId(), groupId: group, payload }))
    let accepted = 0
    while (accepted < N) if (decodeServerFrame(await s.next()).type === 'accepted') accepted++

    const r = await openSocket(server.url, slow.token)
    const seqs: number[] = []
    const drainFor = async (ms: number) => {
      const until = Date.now() + ms
      while (Date.now() < until) {
        const f = r.frames.shift()
        if (!f) {
          await new Promise((res) => setTimeout(res, 10))
          continue
        }
        const d = decodeServerFrame(f)
        if (d.type === 'deliver') seqs.push(d.seq)
      }
    }
    await drainFor(500)
    expect(seqs.length).toBe(LIMITS.deliveryWindow)
    expect(await store.pendingCount(slow.deviceId)).toBe(N + 1)

    r.ws.send(encodeAck(seqs.splice(0)))
    await drainFor(500)
    expect(seqs.length).toBeGreaterThan(0)
    expect(seqs.length).toBeLessThanOrEqual(LIMITS.deliveryWindow)
    s.ws.close()
    r.ws.close()
  })
})
