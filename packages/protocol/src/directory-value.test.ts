import { describe, expect, it } from 'vitest'
import canonicalize from 'canonicalize'
import { toBase64Url, utf8 } from './bytes.ts'
import { decodeDirectoryValue, directoryEntry, encodeDirectoryValue, type DirectoryValueV2 } from './directory-value.ts'

const b64 = (n: number, fill: number) => toBase64Url(new Uint8Array(n).fill(fill))
const device = (id: string, fill: number) => ({ id, key: b64(32, fill), by: id, byKey: b64(32, fill), sig: b64(64, fill) })

describe('directory entry v1 and v2 (docs/protocol.md §3)', () => {
  it('keeps decoding v1 entries, read as a person of no organisation with no receipt commitment', () => {
    const bytes = encodeDirectoryValue({ v: 1, devices: [device('b', 2), device('a', 1)] })
    expect(new TextDecoder().decode(bytes).startsWith('{"devices":[{"by":"a"')).toBe(true)
    const v = decodeDirectoryValue(bytes)!
    expect(v.v).toBe(1)
    expect(directoryEntry(v)).toEqual({ kind: 'person', org: null, idp: null, recovery: null, devices: [device('a', 1), device('b', 2)], receipts: null })
  })

  it('round-trips v2 with and without its optional fields', () => {
    const full: DirectoryValueV2 = {
      v: 2,
      kind: 'person',
      org: 'acme',
      idp: { issuer: 'https://login.acme.example', subject: '00u1abcd', email: 'alice@acme.example' },
      recovery: { key: b64(32, 7), prev: b64(32, 6), by: 'a', byKey: b64(32, 1), sig: b64(64, 5) },
      devices: [device('a', 1), { id: 'r', key: b64(32, 3), by: 'recovery', byKey: b64(32, 7), sig: b64(64, 4) }],
      receipts: b64(32, 9),
    }
    expect(decodeDirectoryValue(encodeDirectoryValue(full))).toEqual(full)
    const bare: DirectoryValueV2 = { v: 2, kind: 'person', org: null, devices: [] }
    expect(decodeDirectoryValue(encodeDirectoryValue(bare))).toEqual(bare)
    expect(directoryEntry(bare)).toMatchObject({ idp: null, recovery: null, receipts: null })
    expect(directoryEntry(full).receipts).toBe(b64(32, 9))
  })

  it('refuses anything that is not exactly a canonical, well-formed v1 or v2 entry', () => {
    const ok = { v: 2, kind: 'person', org: null, devices: [device('a', 1)], receipts: b64(32, 9) }
    // Canonical JSON of anything, so each case below fails for its own reason, not key order.
    const enc = (o: unknown) => utf8(canonicalize(o)!)
    expect(decodeDirectoryValue(enc(ok))).toEqual(ok)
    for (const bad of [
      { ...ok, v: 3 },
      { ...ok, kind: 'robot' },
      { ...ok, org: 'Acme Inc' },
      { ...ok, receipts: b64(31, 9) },
      { ...ok, recovery: 'not base64url!' },
      { ...ok, recovery: b64(32, 7) },
      { ...ok, recovery: { key: b64(32, 7), by: 'a', byKey: b64(32, 1), sig: b64(32, 5) } },
      { ...ok, recovery: { key: b64(32, 7), prev: 'x', by: 'a', byKey: b64(32, 1), sig: b64(64, 5) } },
      { ...ok, recovery: { key: b64(32, 7), by: 'a', byKey: b64(32, 1), sig: b64(64, 5), extra: 1 } },
      { ...ok, idp: { issuer: '', subject: 's', email: 'e' } },
      { ...ok, extra: true },
      { ...ok, devices: [{ ...device('a', 1), sig: b64(32, 1) }] },
      { ...ok, devices: [device('b', 2), device('a', 1)] },
    ]) {
      expect(decodeDirectoryValue(enc(bad)), JSON.stringify(bad)).toBeNull()
    }
    // Not canonical: keys out of order.
    expect(decodeDirectoryValue(utf8(JSON.stringify({ v: 2, kind: 'person', org: null, devices: [] })))).toBeNull()
    // A v1 entry cannot carry v2 fields.
    expect(decodeDirectoryValue(utf8('{"devices":[],"receipts":"' + b64(32, 9) + '","v":1}'))).toBeNull()
  })
})
