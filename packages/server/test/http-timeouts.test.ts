// A client that never finishes its request is cut instead of holding a connection for ever
// (slow-loris: headers trickled one line at a time, or a body that never arrives). A delivery
// socket is not a request: it outlives those timeouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { decodeServerFrame, encodeSend, newGroupId, newMessageId } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { openSocket, rawRegister } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
const timeouts = { headersMs: 500, requestMs: 1_000, checkIntervalMs: 100 }

beforeAll(async () => {
  running = await startSqliteServer('http-timeouts', { timeouts })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

/** A raw TCP connection to the server; resolves with what it answered once the server closed it. */
function rawHttp(): { socket: Socket; closed: Promise<string> } {
  const socket = connect({ host: '127.0.0.1', port: server.port })
  let answer = ''
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')))
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(answer))
    socket.once('error', () => undefined)
  })
  return { socket, closed }
}

describe('HTTP timeouts', () => {
  it('cuts a client that trickles its headers and never ends them (slow-loris)', async () => {
    const { socket, closed } = rawHttp()
    socket.write('GET /healthz HTTP/1.1\r\nHost: candor\r\n')
    let n = 0
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(`X-Slow-${n++}: ${'a'.repeat(10)}\r\n`)
    }, 50)
    const answer = await closed
    clearInterval(trickle)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(answer).not.toContain('"ok":true')
  })

  it('cuts a client whose body never arrives', async () => {
    const { socket, closed } = rawHttp()
    socket.write('POST /v1/register HTTP/1.1\r\nHost: candor\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"userId":')
    const answer = await closed
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(await store.userExists('nobody' as never)).toBe(false)
  })

  it('keeps a delivery socket open past the request timeout', async () => {
    const alice = await rawRegister(server.url, 'alice')
    const s = await openSocket(server.url, alice.token)
    const until = Date.now() + timeouts.requestMs + 3 * timeouts.checkIntervalMs + 200
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 100))
    s.ws.send(encodeSend({ reqId: 9, messageId: newMessageId(), groupId: newGroupId(), payload: new Uint8Array([0, 1, 0, 2]) }))
    for (;;) {
      const f = decodeServerFrame(await s.next())
      if (f.type === 'error') {
        expect(f).toMatchObject({ reqId: 9, code: 'unknown_group' })
        break
      }
    }
    s.ws.close()
  })
})
