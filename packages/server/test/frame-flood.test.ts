// A connection is not an amplifier: malformed frames are counted, not answered one by one, and
// past a small budget the socket is closed; acks of seqs the server never pushed likewise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode, decodeServerFrame, encodeAck, newGroupId, newMessageId, encodeSend } from '@candor/protocol'
import { SOCKET_BUDGETS, type CandorServer } from '../src/index.ts'
import { openSocket, rawRegister, type RawDevice } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let running: SqliteServer
let mallory: RawDevice

beforeAll(async () => {
  running = await startSqliteServer('frame-flood', { httpRatePerSecond: 10_000 })
  server = running.server
  mallory = await rawRegister(server.url, 'mallory')
})
afterAll(() => running.close())

/** Sends `frame` until the socket is no longer open (or `max` times); returns the bytes sent. */
function flood(ws: import('ws').WebSocket, frame: Uint8Array, max: number): number {
  let sent = 0
  for (let i = 0; i < max && ws.readyState === ws.OPEN; i++) {
    ws.send(frame)
    sent += frame.length
  }
  return sent
}

describe('a flood of bad frames', () => {
  it('of malformed frames closes the connection past the budget, and the server sent far fewer bytes than it got', async () => {
    const s = await openSocket(server.url, mallory.token)
    const before = s.received()
    const junk = new Uint8Array(200).fill(0x7f)
    const sent = flood(s.ws, junk, 1_000)
    expect(await s.closed).toEqual({ code: CloseCode.tooManyBadFrames, reason: 'malformed_frame' })
    const answered = s.frames.map((f) => decodeServerFrame(f)).filter((f) => f.type === 'error')
    expect(answered).toHaveLength(1)
    // Only what passed the budget reached the server; it answered once.
    const received = s.received() - before
    expect(sent).toBeGreaterThan((SOCKET_BUDGETS.malformedFrames + 1) * junk.length)
    expect(received).toBeLessThan(((SOCKET_BUDGETS.malformedFrames + 1) * junk.length) / 10)
  })

  it('of acks of seqs never pushed closes the connection past the budget', async () => {
    const s = await openSocket(server.url, mallory.token)
    const bogus = Array.from({ length: 200 }, (_, i) => 1_000_000 + i)
    flood(s.ws, encodeAck(bogus), 100)
    expect(await s.closed).toEqual({ code: CloseCode.tooManyBadFrames, reason: 'unknown_acks' })
  })

  it('within the budgets leaves the connection working', async () => {
    const s = await openSocket(server.url, mallory.token)
    for (let i = 0; i < SOCKET_BUDGETS.malformedFrames; i++) s.ws.send(new Uint8Array([0x7f]))
    s.ws.send(encodeAck([5, 6, 7]))
    s.ws.send(encodeSend({ reqId: 3, messageId: newMessageId(), groupId: newGroupId(), payload: new Uint8Array([0, 1, 0, 2]) }))
    for (;;) {
      const f = decodeServerFrame(await s.next())
      if (f.type === 'error' && f.reqId === 3) {
        expect(f.code).toBe('unknown_group')
        break
      }
    }
    expect(s.ws.readyState).toBe(s.ws.OPEN)
    s.ws.close()
  })
})
