// The compact lookup (docs/protocol.md §3 "Compact lookups"): negotiated by Accept or ?format=,
// JSON otherwise (old clients), and both forms verify, as a client does it, to the same entry;
// every byte of a compact answer matters (a flipped bit is refused); bad input is a clear error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compactDirectoryValueCodec, fromBase64Url, type DirectoryProofResponse } from '@candor/protocol'
import {
  COMPACT_LOOKUP_MEDIA_TYPE,
  decodeCompactLookup,
  decodeLookupProof,
  noteVerifierFromKey,
  openCheckpoint,
  verifyLookup,
  type LookupProof,
} from '@candor/transparency'
import type { CandorServer } from '../src/index.ts'
import { http, httpBytes, rawEnrolApproved, rawRegister, type RawDevice } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let running: SqliteServer
let alice: RawDevice
let bob: RawDevice
let params: { verifierKey: string; vrfPublicKey: string; origin: string }

beforeAll(async () => {
  running = await startSqliteServer('compact-lookup', { httpRatePerSecond: 10_000 })
  server = running.server
  alice = await rawRegister(server.url, 'alice')
  await rawEnrolApproved(server.url, alice, 'laptop')
  await rawEnrolApproved(server.url, alice, 'tablet')
  bob = await rawRegister(server.url, 'bob')
  params = (await http(server.url, 'GET', '/v1/directory')).json as never
})
afterAll(() => running.close())

/** What a client does: open the checkpoint with the pinned key, verify the proof; null if either fails. */
function verify(userId: string, note: string, proof: LookupProof | null) {
  const verifier = noteVerifierFromKey(params.verifierKey)!
  const opened = openCheckpoint(note, verifier.name, [verifier])
  if (!opened || !proof) return null
  return verifyLookup(userId, proof, opened.checkpoint, fromBase64Url(params.vrfPublicKey)!)
}

async function compact(userId: string, how: 'accept' | 'query') {
  const path = `/v1/directory/lookup/${userId}${how === 'query' ? '?format=compact' : ''}`
  return httpBytes(server.url, 'GET', path, undefined, bob.token, how === 'accept' ? { accept: COMPACT_LOOKUP_MEDIA_TYPE } : {})
}

describe('compact lookups', () => {
  it('JSON by default, compact by Accept or ?format=compact; both verify to the same entry (three devices)', async () => {
    const json = await httpBytes(server.url, 'GET', `/v1/directory/lookup/alice`, undefined, bob.token)
    expect(json.headers.get('content-type')).toMatch(/^application\/json/)
    const r = json.json as unknown as DirectoryProofResponse
    const fromJson = verify('alice', r.checkpoint, decodeLookupProof(fromBase64Url(r.proof)))
    expect(fromJson).not.toBeNull()
    for (const how of ['accept', 'query'] as const) {
      const c = await compact('alice', how)
      expect(c.status).toBe(200)
      expect(c.headers.get('content-type')).toBe(COMPACT_LOOKUP_MEDIA_TYPE)
      expect(c.bytes.length).toBeLessThan(json.bytes.length / 1.5)
      const decoded = decodeCompactLookup('alice', c.bytes, params.origin, compactDirectoryValueCodec)!
      expect(decoded.checkpoint).toBe(r.checkpoint)
      expect(verify('alice', decoded.checkpoint, decoded.proof)).toEqual(fromJson)
    }
    // ?format=json wins over Accept.
    const forced = await httpBytes(server.url, 'GET', `/v1/directory/lookup/alice?format=json`, undefined, bob.token, { accept: COMPACT_LOOKUP_MEDIA_TYPE })
    expect(forced.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('a flipped bit anywhere in a compact answer is refused', async () => {
    const { bytes } = await compact('alice', 'accept')
    for (let i = 0; i < bytes.length; i++) {
      const t = bytes.slice()
      t[i]! ^= 1 << i % 8
      const d = decodeCompactLookup('alice', t, params.origin, compactDirectoryValueCodec)
      expect(d === null ? null : verify('alice', d.checkpoint, d.proof), `byte ${i}`).toBeNull()
    }
    expect(decodeCompactLookup('alice', bytes.subarray(0, bytes.length - 1), params.origin, compactDirectoryValueCodec)).toBeNull()
    expect(decodeCompactLookup('alice', Uint8Array.of(...bytes, 0), params.origin, compactDirectoryValueCodec)).toBeNull()
    // Another label's answer does not verify as this one's.
    const d = decodeCompactLookup('bob', bytes, params.origin, compactDirectoryValueCodec)
    expect(d === null ? null : verify('bob', d.checkpoint, d.proof)).toBeNull()
  })

  it('bad input is a clear error; an absent user is proven absent; no session, no lookup', async () => {
    const bad = await http(server.url, 'GET', '/v1/directory/lookup/alice?format=xml', undefined, bob.token)
    expect(bad.status).toBe(400)
    expect(bad.json.error?.code).toBe('bad_request')
    // A user with no entry: the compact form proves the absence, as the JSON one does.
    const none = await compact('nobody-here', 'accept')
    expect(none.status).toBe(200)
    const d = decodeCompactLookup('nobody-here', none.bytes, params.origin, compactDirectoryValueCodec)!
    expect(verify('nobody-here', d.checkpoint, d.proof)).toMatchObject({ version: 0, value: null })
    const anon = await httpBytes(server.url, 'GET', '/v1/directory/lookup/alice?format=compact', undefined, undefined)
    expect(anon.status).toBe(401)
  })
})
