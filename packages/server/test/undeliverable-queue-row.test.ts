// Defence in depth behind the parsers: a queue row that cannot be put into a deliver frame (here
// planted straight into the store, as an older server or a bug elsewhere might have left it)
// is set aside — logged without its payload, counted, removed from that device's queue — and
// the rows after it are delivered. Before, the connection failed on it every time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeServerFrame, encodeAck, newDeviceId, newGroupId, newMessageId, utf8, type MessageId, type ServerFrame } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, openSocket, rawRegister, type RawDevice } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let victim: RawDevice
const logLines: string[] = []

beforeAll(async () => {
  running = await startSqliteServer('set-aside', { logLevel: 'error', logDestination: { write: (s: string) => void logLines.push(s) }, httpRatePerSecond: 10_000, metrics: { port: 0 } })
  server = running.server
  store = running.store
  victim = await rawRegister(server.url, 'victim')
})
afterAll(() => running.close())

async function metric(name: string): Promise<number> {
  const text = await (await fetch(server.metricsUrl!)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1] ?? NaN)
}

/** Frames until the 'synced' notice: everything queued for the device when it connected. */
async function drain(next: () => Promise<Uint8Array>): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = []
  for (;;) {
    const f = decodeServerFrame(await next())
    if (f.type === 'notice' && f.notice.kind === 'synced') return frames
    frames.push(f)
  }
}

describe('a queue row that cannot be encoded', () => {
  it('is set aside, counted and logged without its payload, and the rows after it are delivered', async () => {
    const sender = newDeviceId()
    const group = newGroupId()
    const canary = 'CANARY-set-aside-payload'
    const message = (messageId: MessageId, text: string) => ({ messageId, groupId: group, sender, kind: 0 as const, sentAt: Date.now(), payload: utf8(text), recipients: [victim.deviceId] })
    const bad = 'AAAAAAAAAAAAAAAAAAAAAB' as MessageId // the 16 zero bytes spelt with a stray bit
    const [before] = await store.appendMessages([message(newMessageId(), 'before')])
    const [poisoned] = await store.appendMessages([message(bad, canary)])
    const [after] = await store.appendMessages([message(newMessageId(), 'after')])
    expect(await store.pendingCount(victim.deviceId)).toBe(3)
    expect(await metric('candor_queue_rows_set_aside_total')).toBe(0)

    const { ws, next } = await openSocket(server.url, victim.token)
    const frames = await drain(next)
    expect(frames.map((f) => f.type === 'deliver' && new TextDecoder().decode(f.payload))).toEqual(['before', 'after'])
    expect(frames.map((f) => f.type === 'deliver' && f.seq)).toEqual([before!.deliveries[0]!.seq, after!.deliveries[0]!.seq])

    expect(await metric('candor_queue_rows_set_aside_total')).toBe(1)
    const seq = poisoned!.deliveries[0]!.seq
    const line = logLines.find((l) => l.includes('removed from the device queue'))
    expect(line).toBeDefined()
    expect(JSON.parse(line!)).toMatchObject({ deviceId: victim.deviceId, seq, messageId: bad, groupId: group })
    expect(logLines.join('\n')).not.toContain(canary)
    expect(logLines.join('\n')).not.toContain(Buffer.from(canary).toString('base64url'))

    // Gone from the queue: the two good rows wait for their ack, the bad one does not.
    expect(await store.pendingCount(victim.deviceId)).toBe(2)
    ws.send(encodeAck(frames.map((f) => (f.type === 'deliver' ? f.seq : 0))))
    await expect.poll(() => store.pendingCount(victim.deviceId), { timeout: 30_000 }).toBe(0)
    ws.close()

    // The next connection is clean: nothing to set aside again, later messages flow.
    await store.appendMessages([message(newMessageId(), 'later')])
    const again = await openSocket(server.url, victim.token)
    const later = await drain(again.next)
    expect(later.map((f) => f.type === 'deliver' && new TextDecoder().decode(f.payload))).toEqual(['later'])
    expect(await metric('candor_queue_rows_set_aside_total')).toBe(1)
    again.ws.send(encodeAck(later.map((f) => (f.type === 'deliver' ? f.seq : 0))))
    await expect.poll(() => store.pendingCount(victim.deviceId), { timeout: 30_000 }).toBe(0)
    again.ws.close()
  })

  it('only the device’s own queue loses the row: another device is not touched', async () => {
    const other = await rawRegister(server.url, 'bystander')
    const [r] = await store.appendMessages([
      { messageId: 'AAAAAAAAAAAAAAAAAAAAAC' as MessageId, groupId: newGroupId(), sender: newDeviceId(), kind: 0, sentAt: Date.now(), payload: utf8('x'), recipients: [victim.deviceId, other.deviceId] },
    ])
    expect(r!.deliveries).toHaveLength(2)
    const { ws, next } = await openSocket(server.url, victim.token)
    expect(await drain(next)).toEqual([])
    ws.close()
    expect(await store.pendingCount(victim.deviceId)).toBe(0)
    expect(await store.pendingCount(other.deviceId)).toBe(1)
    expect((await http(server.url, 'GET', '/v1/devices', undefined, other.token)).status).toBe(200)
  })
})
