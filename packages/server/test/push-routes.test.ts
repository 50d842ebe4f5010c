// Web Push subscription routes (docs/protocol.md, "Web Push") from those who must not use them:
// another device of the same person, another person, no session; and bad input, refused with
// nothing stored. (Who may call each route is also in the authorisation matrix.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toBase64Url } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawEnrolApproved, rawRegister, type RawDevice } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let alice: RawDevice
let aliceTablet: RawDevice
let bob: RawDevice

beforeAll(async () => {
  running = await startSqliteServer('push', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
  alice = await rawRegister(server.url, 'push-routes-alice')
  aliceTablet = await rawEnrolApproved(server.url, alice, 'tablet')
  bob = await rawRegister(server.url, 'push-routes-bob')
})
afterAll(() => running.close())

function subscription(endpoint = 'https://push.example/send/1') {
  const p256dh = new Uint8Array(65)
  p256dh[0] = 4
  p256dh.set(crypto.getRandomValues(new Uint8Array(64)), 1)
  return { endpoint, expirationTime: null, keys: { p256dh: toBase64Url(p256dh), auth: toBase64Url(crypto.getRandomValues(new Uint8Array(16))) } }
}
const path = (d: RawDevice) => `/v1/devices/${d.deviceId}/push-subscription`
const stored = (d: RawDevice) => store.pushSubscriptions().get(d.deviceId)

describe('push subscription routes', () => {
  it('a device registers, replaces and deletes its own subscription', async () => {
    const first = subscription('https://push.example/send/first')
    expect((await http(server.url, 'PUT', path(alice), first, alice.token)).status).toBe(200)
    expect((await stored(alice))?.endpoint).toBe('https://push.example/send/first')
    expect((await stored(alice))?.userId).toBe(alice.userId)
    expect((await http(server.url, 'PUT', path(alice), subscription('https://push.example/send/second'), alice.token)).status).toBe(200)
    expect((await stored(alice))?.endpoint).toBe('https://push.example/send/second')
    const key = await http(server.url, 'GET', '/v1/push/vapid-key', undefined, alice.token)
    expect(Buffer.from(String(key.json['publicKey']), 'base64url')).toHaveLength(65)
    expect((await http(server.url, 'DELETE', path(alice), undefined, alice.token)).status).toBe(200)
    expect(await stored(alice)).toBeNull()
  })

  it('nobody sets or deletes another device’s subscription: not the same person’s other device, not another person, not without a session', async () => {
    await http(server.url, 'PUT', path(alice), subscription('https://push.example/send/alice'), alice.token)
    for (const [who, token] of [
      ['alice’s tablet', aliceTablet.token],
      ['bob', bob.token],
    ] as const) {
      const put = await http(server.url, 'PUT', path(alice), subscription('https://evil.example/x'), token)
      expect({ who, status: put.status, code: put.json.error?.code }).toEqual({ who, status: 403, code: 'forbidden' })
      const del = await http(server.url, 'DELETE', path(alice), undefined, token)
      expect({ who, status: del.status, code: del.json.error?.code }).toEqual({ who, status: 403, code: 'forbidden' })
    }
    expect((await http(server.url, 'PUT', path(alice), subscription('https://evil.example/x'))).status).toBe(401)
    expect((await http(server.url, 'DELETE', path(alice))).status).toBe(401)
    expect((await http(server.url, 'GET', '/v1/push/vapid-key')).status).toBe(401)
    expect((await stored(alice))?.endpoint).toBe('https://push.example/send/alice')
    expect(await stored(aliceTablet)).toBeNull()
  })

  it('refuses bad subscriptions with a clear error and stores nothing', async () => {
    const good = subscription()
    const cases: Array<[string, unknown, RegExp]> = [
      ['http endpoint', { ...good, endpoint: 'http://127.0.0.1:5432/x' }, /endpoint: must be an https URL/],
      ['not a URL', { ...good, endpoint: 'push me' }, /endpoint/],
      ['credentials in the URL', { ...good, endpoint: 'https://u:p@push.example/x' }, /endpoint/],
      ['short p256dh', { ...good, keys: { ...good.keys, p256dh: toBase64Url(new Uint8Array(33)) } }, /p256dh/],
      ['compressed p256dh', { ...good, keys: { ...good.keys, p256dh: toBase64Url(new Uint8Array(65).fill(2)) } }, /p256dh/],
      ['short auth', { ...good, keys: { ...good.keys, auth: toBase64Url(new Uint8Array(8)) } }, /auth/],
      ['unknown field', { ...good, extra: 1 }, /extra|unrecognized/i],
      ['no keys', { endpoint: good.endpoint }, /keys/],
    ]
    for (const [what, body, message] of cases) {
      const r = await http(server.url, 'PUT', path(bob), body, bob.token)
      expect({ what, status: r.status }).toEqual({ what, status: 400 })
      expect(String(r.json.error?.message), what).toMatch(message)
    }
    expect(await stored(bob)).toBeNull()
  })
})
