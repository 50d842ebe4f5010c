// A device whose session the server ends is told why and stops: revoked from another device,
// suspended by an admin, or its account erased, it emits `session_ended`, stops reconnecting and
// refuses to send at once (instead of a message box whose sends stay "Sending…"). An expired
// token is no ending: the socket signs in again on the fly, or reconnects with a fresh token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError, type SessionEndReason, type UserId } from '@candor/protocol'
import { CandorClient, type ConnectionState } from '../src/index.ts'
import { Connection } from '../src/connection.ts'
import { nodeWebSocket } from '../src/node/index.ts'
import { options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

describe('the server ends a device’s session', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  /** A second, approved and connected device of `owner`. */
  async function secondDevice(owner: CandorClient, name: string): Promise<CandorClient> {
    const c = await CandorClient.enrol(options(env.server.url), owner.userId, name)
    env.clients.push(c)
    const approved = c.waitForApproval()
    await owner.approve(c.deviceId)
    await approved
    await c.connect()
    return c
  }

  /** Records the endings and connection states a client reports from now on. */
  function watch(c: CandorClient): { endings: SessionEndReason[]; states: ConnectionState[] } {
    const w = { endings: [] as SessionEndReason[], states: [] as ConnectionState[] }
    c.on('session_ended', (e) => w.endings.push(e.reason))
    c.on('connection', (s) => w.states.push(s))
    return w
  }

  /** The device stays closed: it does not come back, even when asked to reconnect. */
  async function staysClosed(c: CandorClient, w: { states: ConnectionState[] }): Promise<void> {
    c.reconnectNow()
    await new Promise((r) => setTimeout(r, 500))
    expect(c.connectionState).not.toBe('online')
    expect(w.states).not.toContain('online')
    expect(await env.server.context.bus.isOnline(c.deviceId)).toBe(false)
  }

  it('revoked from another device: session_ended revoked, no reconnect, sending fails at once', async () => {
    const ana = await env.user('ana')
    await env.user('ben')
    const conv = await ana.directConversation('ben')
    const laptop = await secondDevice(ana, 'ana-laptop')
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'the laptop to join')
    const w = watch(laptop)
    await ana.revoke(laptop.deviceId)
    await waitFor(() => w.endings.length > 0, 'the laptop to hear its session ended')
    expect(w.endings).toEqual(['revoked'])
    await expect(laptop.send(conv, 'from a revoked laptop')).rejects.toMatchObject({ code: 'unavailable' })
    await staysClosed(laptop, w)
  })

  it('suspended by an admin: session_ended suspended, no reconnect', async () => {
    const root = await env.user('root')
    expect(await root.admin.enrol((await env.server.context.admins.enrolmentToken())!)).toMatchObject({ role: 'operator' })
    const joe = await env.user('joe')
    const w = watch(joe)
    await root.admin.suspendDevice(joe.deviceId, { why: 'security_investigation', case: 'SEC-11' })
    await waitFor(() => w.endings.length > 0, 'the device to hear it was suspended')
    expect(w.endings).toEqual(['suspended'])
    await staysClosed(joe, w)
  })

  it('its account erased from another device: session_ended erased, no reconnect', async () => {
    const kim = await env.user('kim')
    const tablet = await secondDevice(kim, 'kim-tablet')
    const w = watch(tablet)
    await kim.deleteAccount()
    await waitFor(() => w.endings.length > 0, 'the tablet to hear the account is gone')
    expect(w.endings).toEqual(['erased'])
    await staysClosed(tablet, w)
  })
})

describe('an expiring token on an open socket', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  /** A Connection of `c`'s device whose tokens the test mints: `lifeMs` each, or as asked. */
  function connectionOf(c: CandorClient, mint: (outlives: number | undefined) => number) {
    const seen = { endings: [] as SessionEndReason[], states: [] as ConnectionState[], forgotten: 0, issued: 0 }
    const endpoint = {
      url: `${env.server.url.replace(/^http/, 'ws')}/v1/ws`,
      session: async (outlives?: number) => {
        const expiresAt = mint(outlives)
        seen.issued++
        return { token: env.server.context.tokens.issue({ deviceId: c.deviceId, userId: c.userId as UserId, expiresAt }), expiresAt }
      },
      forgetSession: () => void seen.forgotten++,
    }
    const conn = new Connection(endpoint, nodeWebSocket, {
      onDeliver: async () => undefined,
      onNotice: () => undefined,
      onState: (s) => seen.states.push(s),
      onSessionEnded: (r) => seen.endings.push(r),
    })
    return { conn, seen }
  }

  it('signs in again on the socket before the token expires, and stays connected past it', async () => {
    const amy = await env.user('amy')
    amy.close()
    const first = Date.now() + 2_000
    const { conn, seen } = connectionOf(amy, (outlives) => (outlives === undefined ? first : Date.now() + 3_600_000))
    conn.start()
    await conn.whenOnline()
    await waitFor(() => seen.issued >= 2, 'a fresh token to be fetched for the socket')
    while (Date.now() < first + 1_000) await new Promise((r) => setTimeout(r, 100))
    expect(seen.endings).toEqual([])
    expect(seen.states.filter((s) => s === 'offline')).toEqual([])
    expect(await env.server.context.bus.isOnline(amy.deviceId)).toBe(true)
    conn.close()
  })

  it('when it could not, the server ends the session as expired, and the device signs in again and is back', async () => {
    const bea = await env.user('bea')
    bea.close()
    // Every token it is given lives 1.5 s, and renewing on the socket fails (as with no network).
    const { conn, seen } = connectionOf(bea, (outlives) => {
      if (outlives !== undefined) throw new CandorError('unavailable', 'no network for the renewal')
      return Date.now() + 1_500
    })
    conn.start()
    await conn.whenOnline()
    await waitFor(() => seen.endings.length > 0, 'the session to expire')
    expect(seen.endings[0]).toBe('expired')
    // The notice comes before the socket closes; the device forgets the token once it has closed.
    await waitFor(() => seen.forgotten > 0, 'the device to forget the expired token')
    await waitFor(() => seen.states.lastIndexOf('online') > seen.states.indexOf('offline'), 'the device to be back online')
    conn.close()
  })
})
