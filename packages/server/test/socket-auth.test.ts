// The delivery socket signs in with its first frame (`auth`, docs/protocol.md §6), never with a
// token in the URL; anything else first, or nothing, closes it and changes nothing. A session
// ends when its token expires, unless the device sent a fresh token on the socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode, decodeServerFrame, encodeAuth, encodeSend, newGroupId, newMessageId, type GroupId, type ServerFrame } from '@candor/protocol'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister, rawSocket, type RawDevice, type RawSocket } from './raw-client.ts'
import { createGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let running: SqliteServer
let alice: RawDevice
let bob: RawDevice
let group: GroupId

beforeAll(async () => {
  running = await startSqliteServer('socket-auth', { httpRatePerSecond: 10_000, timeouts: { wsAuthMs: 300 } })
  server = running.server
  alice = await rawRegister(server.url, 'alice')
  bob = await rawRegister(server.url, 'bob')
  group = newGroupId()
  await createGroup(server.url, alice, group)
})
afterAll(() => running.close())

/** A send the server answers (an invalid MLS payload in alice's group): proof the socket is served. */
const probe = (reqId: number) => encodeSend({ reqId, messageId: newMessageId(), groupId: group, payload: new Uint8Array([0, 1, 0, 5]) })

/** The next frame that is not a notice of `kind` to skip. */
async function nextAnswer(s: RawSocket): Promise<ServerFrame> {
  for (;;) {
    const f = decodeServerFrame(await s.next())
    if (f.type !== 'notice') return f
  }
}

/** A token of alice's device that expires `ms` from now, as the server would have issued it. */
const shortToken = (ms: number, who: RawDevice = alice) => server.context.tokens.issue({ deviceId: who.deviceId, userId: who.userId as never, expiresAt: Date.now() + ms })

describe('signing a delivery socket in', () => {
  it('refuses a token in the URL before any upgrade, and the device is not connected', async () => {
    await expect(rawSocket(server.url, `/v1/ws?token=${encodeURIComponent(alice.token)}`)).rejects.toThrow(/400/)
    expect(await server.context.bus.isOnline(alice.deviceId)).toBe(false)
  })

  it('upgrades /v1/ws only: other paths are not found, a token anywhere in the query is refused, other query strings are served', async () => {
    for (const path of ['/v1/wsx', '/v1/ws/', '/v2/ws', '/v1/w%73', '/']) await expect(rawSocket(server.url, path)).rejects.toThrow(/404/)
    for (const path of [`/v1/ws?x=1&token=${encodeURIComponent(alice.token)}`, '/v1/ws?token=']) await expect(rawSocket(server.url, path)).rejects.toThrow(/400/)
    for (const path of ['/v1/ws', '/v1/ws?', '/v1/ws?v=1']) {
      const s = await rawSocket(server.url, path)
      s.ws.send(encodeAuth(alice.token))
      s.ws.send(probe(61))
      expect(await nextAnswer(s)).toMatchObject({ type: 'error', reqId: 61 })
      s.ws.close()
    }
  })

  it('closes a socket whose first frame is not auth (4002), answering nothing and serving nothing', async () => {
    for (const first of [probe(1), new TextEncoder().encode(alice.token), new Uint8Array([0x03])]) {
      const s = await rawSocket(server.url)
      s.ws.send(first)
      s.ws.send(encodeAuth(alice.token))
      s.ws.send(probe(2))
      expect(await s.closed).toEqual({ code: CloseCode.authRequired, reason: 'auth_required' })
      expect(s.received()).toBe(0)
    }
    const text = await rawSocket(server.url)
    text.ws.send(alice.token)
    expect(await text.closed).toEqual({ code: CloseCode.authRequired, reason: 'auth_required' })
    expect(await server.context.bus.isOnline(alice.deviceId)).toBe(false)
  })

  it('closes a socket that says nothing within the auth timeout (4002 auth_timeout)', async () => {
    const s = await rawSocket(server.url)
    expect(await s.closed).toEqual({ code: CloseCode.authRequired, reason: 'auth_timeout' })
    expect(s.received()).toBe(0)
  })

  it('closes a socket whose token is refused with the reason (4003 and the error code)', async () => {
    const forged = `${alice.token.slice(0, -4)}AAAA`
    await expect(openSocket(server.url, forged)).rejects.toThrow(`${CloseCode.authRefused} unauthenticated`)
    await expect(openSocket(server.url, shortToken(-1))).rejects.toThrow(`${CloseCode.authRefused} unauthenticated`)
  })

  it('serves frames sent right behind the auth frame, once it checks out', async () => {
    const s = await rawSocket(server.url)
    s.ws.send(encodeAuth(alice.token))
    s.ws.send(probe(41))
    expect(await nextAnswer(s)).toMatchObject({ type: 'error', reqId: 41, code: 'invalid_mls_message' })
    s.ws.close()
  })
})

describe('a session on an open socket', () => {
  it('ends when its token expires: a session_ended notice, then close 4001', async () => {
    const s = await openSocket(server.url, shortToken(1_000))
    expect(await s.closed).toEqual({ code: CloseCode.sessionEnded, reason: 'expired' })
    const all = s.frames.map((f) => decodeServerFrame(f))
    expect(all.filter((f) => f.type === 'notice' && f.notice.kind === 'session_ended')).toEqual([{ type: 'notice', notice: { kind: 'session_ended', reason: 'expired' } }])
  })

  it('goes on past the first token when the device sends a fresh one on the socket', async () => {
    const expiresAt = Date.now() + 1_000
    const s = await openSocket(server.url, server.context.tokens.issue({ deviceId: alice.deviceId, userId: alice.userId as never, expiresAt }))
    s.ws.send(encodeAuth(alice.token))
    while (Date.now() < expiresAt + 500) await new Promise((r) => setTimeout(r, 100))
    s.ws.send(probe(51))
    expect(await nextAnswer(s)).toMatchObject({ type: 'error', reqId: 51 })
    expect(s.frames.map((f) => decodeServerFrame(f)).some((f) => f.type === 'notice' && f.notice.kind === 'session_ended')).toBe(false)
    s.ws.close()
  })

  it('closes the socket when a fresh token is another device’s (4003 forbidden) or refused', async () => {
    const s = await openSocket(server.url, alice.token)
    s.ws.send(encodeAuth(bob.token))
    expect(await s.closed).toEqual({ code: CloseCode.authRefused, reason: 'forbidden' })
    const t = await openSocket(server.url, alice.token)
    t.ws.send(encodeAuth(shortToken(-1)))
    expect(await t.closed).toEqual({ code: CloseCode.authRefused, reason: 'unauthenticated' })
  })
})
