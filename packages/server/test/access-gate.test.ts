// The access gate: a receipt is sealed and logged before any access runs; if it cannot be
// written (or committed to the subject's directory entry) the access never runs; the log leaf
// reveals nothing about whom it concerns; a delayed receipt is handed to its subject only from
// its date.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CandorError, fromBase64Url, fromUtf8, type UserId } from '@candor/protocol'
import { merkleLeafHash, noteVerifierFromKey, openCheckpoint, verifyInclusion } from '@candor/transparency'
import type { SqliteStore } from '@candor/store-sqlite'
import { createLogger, generateServerKeys, type CandorServer, type Store } from '../src/index.ts'
import { AccessGate, type AccessRequest } from '../src/access/access-gate.ts'
import { AccessLog } from '../src/access/access-log.ts'
import { http, rawRegister } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let clock = Date.now()
const keys = generateServerKeys()

beforeAll(async () => {
  // The receipt sweep runs only when a test calls it.
  running = await startSqliteServer('access', { keys, httpRatePerSecond: 10_000, accessClock: () => clock, receiptSweepMs: 3_600_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())

function request(subject: string, extra: Partial<AccessRequest> = {}): AccessRequest {
  return {
    accessor: { userId: 'admin-alice' as UserId, role: 'org_admin', org: 'acme' },
    subject: subject as UserId,
    categories: ['device_list'],
    resources: [`user:${subject}/devices`],
    justification: 'support_request',
    caseRef: 'CASE-1',
    ...extra,
  }
}

async function logInfo() {
  const { json } = await http(server.url, 'GET', '/v1/access-log')
  const info = json as unknown as { origin: string; verifierKey: string; checkpoint: string }
  const opened = openCheckpoint(info.checkpoint, info.origin, [noteVerifierFromKey(info.verifierKey)!])
  expect(opened).not.toBeNull()
  return opened!.checkpoint
}

describe('access gate', () => {
  it('logs a receipt before the access runs; the subject fetches it with an inclusion proof', async () => {
    const subject = await rawRegister(server.url, 'subject-one')
    const before = await logInfo()
    const sizeWhenAccessRan: number[] = []
    const result = await server.context.access.access(request('subject-one'), async () => {
      sizeWhenAccessRan.push((await store.accessLeafHashes(0, 1_000_000)).length)
      return 'the data'
    })
    expect(result).toBe('the data')
    expect(sizeWhenAccessRan).toEqual([before.size + 1])
    const after = await logInfo()
    expect(after.size).toBe(before.size + 1)
    const { json } = await http(server.url, 'GET', '/v1/access-receipts', undefined, subject.token)
    const res = json as unknown as { checkpoint: string; receipts: Array<{ index: number; envelope: string; proof: string[] }> }
    expect(res.receipts).toHaveLength(1)
    const r = res.receipts[0]!
    const envelope = fromBase64Url(r.envelope)!
    expect(verifyInclusion(r.index, after.size, merkleLeafHash(envelope), r.proof.map((p) => fromBase64Url(p)!), after.rootHash)).toBe(true)
    // The logged bytes are ciphertext: neither the subject, the accessor nor the case shows.
    const text = fromUtf8(envelope)
    for (const secret of ['subject-one', 'admin-alice', 'CASE-1', 'support_request', 'acme']) expect(text).not.toContain(secret)
    expect(JSON.parse(text).copies.map((c: { device: string }) => c.device)).toEqual([subject.deviceId])
  })

  it('refuses the access when the receipt cannot be written: no receipt, no access', async () => {
    await rawRegister(server.url, 'subject-two')
    const failing = new Proxy(store as Store, {
      get(target, prop, receiver) {
        if (prop === 'appendAccessLeaf') return async () => Promise.reject(new Error('disk full'))
        const v = Reflect.get(target, prop, receiver) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    const log = await AccessLog.open(failing, 'candor/access-log', keys.accessLogSigningKey)
    const gate = AccessGate.open(failing, log, createLogger('silent'), keys.accessPseudonymKey, { publish: (u) => server.context.directory.publishReceipts(u) })
    const sizeBefore = log.size
    const perform = vi.fn(async () => 'leaked')
    const err = await gate.access(request('subject-two'), perform).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CandorError)
    expect((err as CandorError).code).toBe('access_log_unavailable')
    expect(perform).not.toHaveBeenCalled()
    expect(log.size).toBe(sizeBefore)
  })

  it('refuses the access when the receipt cannot be committed to the subject’s directory entry; the sweep commits it later', async () => {
    const subject = await rawRegister(server.url, 'subject-four')
    const gate = AccessGate.open(store, server.context.access.log, createLogger('silent'), keys.accessPseudonymKey, {
      publish: async () => Promise.reject(new Error('directory unavailable')),
      now: () => clock,
    })
    const perform = vi.fn(async () => 'leaked')
    await expect(gate.access(request('subject-four'), perform)).rejects.toMatchObject({ code: 'access_log_unavailable' })
    expect(perform).not.toHaveBeenCalled()
    // The leaf is logged but not yet committed: the next sweep commits it.
    expect(await store.untalliedAccessSubjects(clock, 100_000)).toContain('subject-four')
    expect(await server.context.directory.publishDueReceipts()).toBeGreaterThan(0)
    expect(await store.untalliedAccessSubjects(clock, 100_000)).not.toContain('subject-four')
    const { json } = await http(server.url, 'GET', '/v1/access-receipts', undefined, subject.token)
    expect((json as { receipts: Array<{ position: number | null }> }).receipts.map((r) => r.position)).toEqual([1])
  })

  it('refuses a malformed request before touching the log', async () => {
    const perform = vi.fn(async () => 1)
    const before = (await logInfo()).size
    await expect(server.context.access.access(request('subject-one', { caseRef: '' }), perform)).rejects.toMatchObject({ code: 'bad_request' })
    expect(perform).not.toHaveBeenCalled()
    expect((await logInfo()).size).toBe(before)
  })

  it('hands a delayed receipt to its subject only from its date, at the index it got when logged', async () => {
    const subject = await rawRegister(server.url, 'subject-three')
    const day = 24 * 3600_000
    await server.context.access.access(request('subject-three', { justification: 'legal_hold', delayedUntil: clock + 30 * day }), async () => undefined)
    const loggedSize = (await logInfo()).size
    const early = await http(server.url, 'GET', '/v1/access-receipts', undefined, subject.token)
    expect((early.json as { receipts: unknown[] }).receipts).toHaveLength(0)
    clock += 31 * day
    const late = await http(server.url, 'GET', '/v1/access-receipts', undefined, subject.token)
    const receipts = (late.json as { receipts: Array<{ index: number }> }).receipts
    expect(receipts).toHaveLength(1)
    expect(receipts[0]!.index).toBeLessThan(loggedSize)
  })

  it('serves consistency proofs and refuses impossible sizes', async () => {
    const size = (await logInfo()).size
    expect((await http(server.url, 'GET', `/v1/access-log/consistency?from=1&to=${size}`)).status).toBe(200)
    expect((await http(server.url, 'GET', `/v1/access-log/consistency?from=2&to=1`)).status).toBe(400)
    expect((await http(server.url, 'GET', `/v1/access-log/consistency?from=1&to=${size + 5}`)).status).toBe(400)
    expect((await http(server.url, 'GET', `/v1/access-log/consistency?from=x&to=1`)).status).toBe(400)
  })
})
