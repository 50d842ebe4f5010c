// GET /v1/directory/lookup/:userId?at=<size>: a user's entry as of an earlier tree size, proven
// in the latest checkpoint with the consistency proof from that size, verified here as a client
// would; the size is parsed canonically; any node sharing the store answers (it catches up).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { join } from 'node:path'
import { decodeDirectoryValue, fromBase64Url, type DirectoryPastProofResponse, type UserId } from '@candor/protocol'
import { decodePastLookupProof, noteVerifierFromKey, openCheckpoint, verifyConsistency, verifyPastLookup, type Checkpoint } from '@candor/transparency'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer, type ServerKeys } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let keys: ServerKeys
let server: CandorServer
let store: SqliteStore
let running: SqliteServer
let alice: RawDevice

beforeAll(async () => {
  keys = generateServerKeys()
  running = await startSqliteServer('past-lookup', { keys, httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
  alice = await rawRegister(server.url, 'alice')
})
afterAll(() => running.close())

async function info(base: string): Promise<{ verifierKey: string; vrfPublicKey: string; checkpoint: string }> {
  return (await http(base, 'GET', '/v1/directory')).json as never
}

function open(note: string, verifierKey: string): Checkpoint {
  const verifier = noteVerifierFromKey(verifierKey)!
  return openCheckpoint(note, verifier.name, [verifier])!.checkpoint
}

/** What a client does with the answer: the checkpoint, the consistency from `at`, the proof. */
async function verifiedPast(base: string, userId: string, at: number, rootAt: Uint8Array) {
  const { json, status } = await http(base, 'GET', `/v1/directory/lookup/${userId}?at=${at}`, undefined, alice.token)
  expect(status, JSON.stringify(json)).toBe(200)
  const r = json as unknown as DirectoryPastProofResponse
  const { verifierKey, vrfPublicKey } = await info(base)
  const latest = open(r.checkpoint, verifierKey)
  expect(verifyConsistency(at, latest.size, rootAt, latest.rootHash, r.consistency.map((h) => fromBase64Url(h)!))).toBe(true)
  const proof = decodePastLookupProof(fromBase64Url(r.proof))!
  const got = verifyPastLookup(userId, proof, latest, fromBase64Url(vrfPublicKey)!, at - 1)
  expect(got).not.toBeNull()
  return { got: got!, devices: got!.value ? decodeDirectoryValue(got!.value)!.devices.map((d) => d.id) : [], latest }
}

async function rootOf(base: string, size: number): Promise<Uint8Array> {
  const { json } = await http(base, 'GET', `/v1/directory/checkpoints/${size}`)
  return open((json as { checkpoint: string }).checkpoint, (await info(base)).verifierKey).rootHash
}

describe('past lookups over HTTP', () => {
  it('proves an entry as it was, in the latest checkpoint', async () => {
    const then = open((await info(server.url)).checkpoint, (await info(server.url)).verifierKey)
    // Alice's entry changes afterwards (here: the operator side publishes her with no devices).
    const directory = server.context.directory.directory
    directory.update('alice', new TextEncoder().encode('{"devices":[],"v":1}'))
    await directory.publishEpoch()
    await rawRegister(server.url, 'bob')

    const past = await verifiedPast(server.url, 'alice', then.size, then.rootHash)
    expect(past.latest.size).toBeGreaterThan(then.size)
    expect(past.got).toMatchObject({ version: 1, epoch: then.size - 1 })
    expect(past.devices).toEqual([alice.deviceId])
    // As of the latest size: the new version, and bob exists now but did not then.
    const now = await verifiedPast(server.url, 'alice', past.latest.size, past.latest.rootHash)
    expect(now.got.version).toBe(2)
    expect(now.devices).toEqual([])
    expect((await verifiedPast(server.url, 'bob', then.size, then.rootHash)).got.version).toBe(0)
    expect((await verifiedPast(server.url, 'bob', past.latest.size, await rootOf(server.url, past.latest.size))).got.version).toBe(1)
  })

  it('refuses sizes that are not canonical, zero or beyond the log, and asks for a session', async () => {
    const size = open((await info(server.url)).checkpoint, (await info(server.url)).verifierKey).size
    for (const at of ['0', '01', '1e0', '-1', '%201', '']) {
      const r = await http(server.url, 'GET', `/v1/directory/lookup/alice?at=${at}`, undefined, alice.token)
      expect(r.status).toBe(400)
      expect(r.json.error?.message).toMatch(/^at: /)
    }
    const beyond = await http(server.url, 'GET', `/v1/directory/lookup/alice?at=${size + 1}`, undefined, alice.token)
    expect(beyond.status).toBe(404)
    expect(beyond.json.error?.code).toBe('not_found')
    const anonymous = await http(server.url, 'GET', `/v1/directory/lookup/alice?at=1`)
    expect(anonymous.status).toBe(401)
  })

  it('is answered by another node sharing the store, which catches up first', async () => {
    const otherStore = SqliteStore.open(join(running.dir, 'db.sqlite'))
    const other = await createServer({ store: otherStore, keys, logLevel: 'silent', httpRatePerSecond: 10_000 })
    try {
      // Published by the first node after the second one opened its directory.
      await rawRegister(server.url, 'carol')
      const { checkpoint, verifierKey } = await info(server.url)
      const latest = open(checkpoint, verifierKey)
      const past = await verifiedPast(other.url, 'carol', latest.size, latest.rootHash)
      expect(past.got.version).toBe(1)
      expect(past.latest.size).toBe(latest.size)
    } finally {
      await other.close()
      await otherStore.close()
    }
  })

  it('rate-limits past lookups per device', async () => {
    const mallory = await rawRegister(server.url, 'mallory')
    // The server's clock stands still meanwhile (it runs in this process): one after another on
    // a loaded machine, a lookup can take as long as the bucket needs to refill (10 a second),
    // and then none was ever refused — the test said 200 where it meant 429 (seen under load).
    const clock = vi.spyOn(performance, 'now').mockReturnValue(performance.now())
    const codes: number[] = []
    try {
      for (let i = 0; i < 130; i++) codes.push((await http(server.url, 'GET', '/v1/directory/lookup/alice?at=1', undefined, mallory.token)).status)
    } finally {
      clock.mockRestore()
    }
    // The burst of 100 is served; past it, every lookup is refused.
    expect(codes.slice(0, 100).filter((c) => c !== 200)).toEqual([])
    expect(codes.slice(100).filter((c) => c !== 429)).toEqual([])
    // Someone else is not held up by it.
    expect((await http(server.url, 'GET', '/v1/directory/lookup/alice?at=1', undefined, alice.token)).status).toBe(200)
    expect(await store.listDevices('mallory' as UserId)).toHaveLength(1)
  })
})
