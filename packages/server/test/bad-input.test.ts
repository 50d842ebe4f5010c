// Every malformed, oversized, unauthenticated, replayed or unknown input gets a specific
// error code and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LIMITS,
  authStatement,
  decodeServerFrame,
  encodeAck,
  encodeSend,
  newGroupId,
  newMessageId,
  toBase64Url,
  type GroupId,
} from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister, type RawDevice } from './raw-client.ts'
import { createGroup } from './raw-mls.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let alice: RawDevice
let group: GroupId

beforeAll(async () => {
  running = await startSqliteServer('bad-input', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
  alice = await rawRegister(server.url, 'alice')
  group = newGroupId()
  await createGroup(server.url, alice, group)
})
afterAll(() => running.close())

describe('HTTP boundary', () => {
  it('malformed JSON is bad_request', async () => {
    const r = await http(server.url, 'POST', '/v1/register', undefined, undefined, '{"userId": ')
    expect(r.status).toBe(400)
    expect(r.json.error?.code).toBe('bad_request')
  })

  it('unknown fields and wrong shapes are bad_request naming the field', async () => {
    const r = await http(server.url, 'POST', '/v1/register', { userId: 'Bad User!', publicKey: 'x', deviceName: 'd', signature: 's' })
    expect(r.json.error?.code).toBe('bad_request')
    expect(r.json.error?.message).toMatch(/userId/)
    const extra = await http(server.url, 'POST', '/v1/auth/challenge', { deviceId: alice.deviceId, admin: true })
    expect(extra.json.error?.code).toBe('bad_request')
  })

  it('an oversized body is body_too_large', async () => {
    const r = await http(server.url, 'POST', '/v1/key-packages', undefined, alice.token, JSON.stringify({ oneTime: ['A'.repeat(LIMITS.httpBodyBytes + 10)] }))
    expect(r.status).toBe(413)
    expect(r.json.error?.code).toBe('body_too_large')
  })

  it('a registration signed by another key is bad_signature and creates nothing', async () => {
    const k = generateDeviceKey()
    const other = generateDeviceKey()
    const pk = toBase64Url(k.publicKey)
    const r = await http(server.url, 'POST', '/v1/register', {
      userId: 'mallory',
      publicKey: pk,
      deviceName: 'x',
      signature: toBase64Url(signDetached(other.secretKey, new TextEncoder().encode('anything'))),
    })
    expect(r.json.error?.code).toBe('bad_signature')
    expect(await store.userExists('mallory' as never)).toBe(false)
  })

  it('requests without, with forged, or with another device’s token are unauthenticated', async () => {
    expect((await http(server.url, 'GET', '/v1/devices')).json.error?.code).toBe('unauthenticated')
    expect((await http(server.url, 'GET', '/v1/devices', undefined, 'forged.token')).json.error?.code).toBe('unauthenticated')
    const [b, m] = alice.token.split('.')
    const tampered = `${b}.${m!.slice(0, -2)}AA`
    expect((await http(server.url, 'GET', '/v1/devices', undefined, tampered)).json.error?.code).toBe('unauthenticated')
  })

  it('a replayed challenge response is refused', async () => {
    const ch = await http(server.url, 'POST', '/v1/auth/challenge', { deviceId: alice.deviceId })
    const challenge = ch.json.challenge as string
    const body = { deviceId: alice.deviceId, challenge, signature: toBase64Url(signDetached(alice.secretKey, authStatement(alice.deviceId, challenge))) }
    expect((await http(server.url, 'POST', '/v1/auth/session', body)).status).toBe(200)
    const again = await http(server.url, 'POST', '/v1/auth/session', body)
    expect(again.json.error?.code).toBe('unauthenticated')
  })

  it('unknown ids get specific not-found codes', async () => {
    expect((await http(server.url, 'GET', `/v1/groups/${newGroupId()}`, undefined, alice.token)).json.error?.code).toBe('unknown_group')
    expect((await http(server.url, 'POST', '/v1/users/nobody/key-packages/claim', {}, alice.token)).json.error?.code).toBe('unknown_user')
    expect((await http(server.url, 'GET', '/v1/groups/not-an-id', undefined, alice.token)).json.error?.code).toBe('bad_request')
    expect((await http(server.url, 'GET', '/v1/nothing-here')).json.error?.code).toBe('not_found')
  })

  it('a key package that is not one, or not this device’s, is invalid_key_package and is not stored', async () => {
    const r = await http(server.url, 'POST', '/v1/key-packages', { oneTime: [toBase64Url(new Uint8Array([0, 1, 0, 5, 1, 2, 3]))] }, alice.token)
    expect(r.json.error?.code).toBe('invalid_key_package')
    expect((await store.countKeyPackages(alice.deviceId)).oneTime).toBe(0)
  })

  it('a commit that is not an MLS commit is invalid_mls_message and the epoch stays', async () => {
    const r = await http(
      server.url,
      'POST',
      `/v1/groups/${group}/commits`,
      { messageId: newMessageId(), commit: toBase64Url(new Uint8Array(40)), groupInfo: toBase64Url(new Uint8Array(40)) },
      alice.token,
    )
    expect(r.json.error?.code).toBe('invalid_mls_message')
    expect((await store.getGroup(group))?.epoch).toBe(0)
  })
})

describe('WebSocket boundary', () => {
  it('refuses a socket whose auth frame carries no valid token', async () => {
    await expect(openSocket(server.url, 'no.such.token')).rejects.toThrow(/4003 unauthenticated/)
  })

  it('answers the first malformed frame of a window, not each one, and keeps the connection', async () => {
    const { ws, next } = await openSocket(server.url, alice.token)
    const expectError = async (code: string) => {
      for (;;) {
        const f = decodeServerFrame(await next())
        if (f.type === 'notice') continue
        expect(f).toMatchObject({ type: 'error', code })
        return
      }
    }
    ws.send('text is not allowed')
    await expectError('malformed_frame')
    // Within the budget: not answered, not fatal.
    ws.send(new Uint8Array([0x7f, 1, 2]))
    ws.send(new Uint8Array([0x01, 0, 0]))
    ws.send(new Uint8Array([0x02, 0, 2, 1]))
    ws.send(encodeSend({ reqId: 7, messageId: newMessageId(), groupId: newGroupId(), payload: new Uint8Array([0, 1, 0, 2]) }))
    await expectError('unknown_group')
    ws.send(encodeSend({ reqId: 8, messageId: newMessageId(), groupId: group, payload: new Uint8Array([9, 9, 9, 9, 9]) }))
    await expectError('invalid_mls_message')
    ws.send(encodeAck([12345]))
    // Still usable, and nothing was queued anywhere.
    ws.send(encodeSend({ reqId: 9, messageId: newMessageId(), groupId: group, payload: new Uint8Array([0, 1, 0, 5]) }))
    await expectError('invalid_mls_message')
    expect(await store.pendingCount(alice.deviceId)).toBe(0)
    ws.close()
  })

  it('closes the socket on a frame over the size limit', async () => {
    const { ws } = await openSocket(server.url, alice.token)
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    ws.send(new Uint8Array(LIMITS.wsFrameBytes + 1))
    expect(await closed).toBe(1009)
  })

  it('rate-limits a device that sends too fast', async () => {
    const bob = await rawRegister(server.url, 'bob-rate')
    const { ws, next } = await openSocket(server.url, bob.token)
    const frame = encodeSend({ reqId: 1, messageId: newMessageId(), groupId: group, payload: new Uint8Array([0, 1, 0, 2]) })
    const n = LIMITS.sendBurst * 3
    for (let i = 0; i < n; i++) ws.send(frame)
    let limited = 0
    for (let i = 0; i < n; i++) {
      const f = decodeServerFrame(await next())
      if (f.type === 'error' && f.code === 'rate_limited') limited++
    }
    expect(limited).toBeGreaterThan(0)
    ws.close()
  })
})
