// Revocation, suspension by an admin and erasure end the device's live sessions at once: its
// open socket is told why (`session_ended`) and closed with 4001, and it cannot sign a socket in
// again. Before, the socket stayed open and the device kept its message box.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode, decodeServerFrame, encodeAuth, type Notice } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawDeleteAccount, rawRegister, rawSocket, type RawSocket } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('session-end', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

/** The notices the socket got before it closed, and how it closed. */
async function ending(s: RawSocket): Promise<{ notices: Notice[]; code: number; reason: string }> {
  const { code, reason } = await s.closed
  const notices = s.frames.map((f) => decodeServerFrame(f)).flatMap((f) => (f.type === 'notice' && f.notice.kind !== 'synced' ? [f.notice] : []))
  return { notices, code, reason }
}

describe('ending a device’s session closes its open socket', () => {
  it('revocation: session_ended revoked, close 4001; the device cannot sign a socket in again', async () => {
    const ana = await rawRegister(server.url, 'ana')
    const s = await openSocket(server.url, ana.token)
    expect((await http(server.url, 'DELETE', `/v1/devices/${ana.deviceId}`, undefined, ana.token)).status).toBe(200)
    const e = await ending(s)
    expect(e).toMatchObject({ code: CloseCode.sessionEnded, reason: 'revoked' })
    expect(e.notices.at(-1)).toEqual({ kind: 'session_ended', reason: 'revoked' })
    await expect(openSocket(server.url, ana.token)).rejects.toThrow(`${CloseCode.authRefused} device_revoked`)
  })

  it('suspension by an admin: session_ended suspended, close 4001', async () => {
    const root = await rawRegister(server.url, 'root')
    const token = await server.context.admins.enrolmentToken()
    expect((await http(server.url, 'POST', '/v1/admin/enrol', { token }, root.token)).status).toBe(201)
    const eve = await rawRegister(server.url, 'eve')
    const s = await openSocket(server.url, eve.token)
    const r = await http(server.url, 'POST', `/v1/admin/devices/${eve.deviceId}/suspend`, { why: 'security_investigation', case: 'SEC-7' }, root.token)
    expect(r.status).toBe(200)
    const e = await ending(s)
    expect(e).toMatchObject({ code: CloseCode.sessionEnded, reason: 'suspended' })
    expect(e.notices.at(-1)).toEqual({ kind: 'session_ended', reason: 'suspended' })
    await expect(openSocket(server.url, eve.token)).rejects.toThrow(`${CloseCode.authRefused} device_revoked`)
  })

  it('erasure: session_ended erased, close 4001; the device is unknown after', async () => {
    const zoe = await rawRegister(server.url, 'zoe')
    const s = await openSocket(server.url, zoe.token)
    expect((await rawDeleteAccount(server.url, zoe)).status).toBe(200)
    const e = await ending(s)
    expect(e).toMatchObject({ code: CloseCode.sessionEnded, reason: 'erased' })
    expect(e.notices).toEqual([{ kind: 'session_ended', reason: 'erased' }])
    await expect(openSocket(server.url, zoe.token)).rejects.toThrow(`${CloseCode.authRefused} unauthenticated`)
  })

  it('ends a socket whose sign-in read the device just before it was revoked', async () => {
    const ivy = await rawRegister(server.url, 'ivy')
    // The socket's lookup of the device reads it while it is still active, but its answer is
    // held until the revocation has been made and announced (a slow read, or another node).
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const deviceAccess = store.deviceAccess.bind(store)
    let once = true
    store.deviceAccess = async (id) => {
      const d = await deviceAccess(id)
      if (id === ivy.deviceId && once) {
        once = false
        await held
      }
      return d
    }
    try {
      const s = await rawSocket(server.url)
      s.ws.send(encodeAuth(ivy.token))
      while (once) await new Promise((r) => setTimeout(r, 5))
      expect((await http(server.url, 'DELETE', `/v1/devices/${ivy.deviceId}`, undefined, ivy.token)).status).toBe(200)
      release()
      const e = await ending(s)
      expect(e).toMatchObject({ code: CloseCode.sessionEnded, reason: 'revoked', notices: [{ kind: 'session_ended', reason: 'revoked' }] })
      expect(await server.context.bus.isOnline(ivy.deviceId)).toBe(false)
    } finally {
      store.deviceAccess = deviceAccess
    }
  })

  it('leaves the sockets of other devices open', async () => {
    const kai = await rawRegister(server.url, 'kai')
    const lea = await rawRegister(server.url, 'lea')
    const k = await openSocket(server.url, kai.token)
    const l = await openSocket(server.url, lea.token)
    await http(server.url, 'DELETE', `/v1/devices/${kai.deviceId}`, undefined, kai.token)
    expect((await k.closed).code).toBe(CloseCode.sessionEnded)
    expect(l.ws.readyState).toBe(l.ws.OPEN)
    expect(await server.context.bus.isOnline(lea.deviceId)).toBe(true)
    l.ws.close()
  })
})
