// The compact directory entry (§3 "Compact lookups") gives back the committed bytes exactly, for
// every shape of a version 2 entry; what it cannot carry goes raw; malformed input is null.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toBase64Url } from './bytes.ts'
import { deviceIdFromKey } from './device-id.ts'
import { decodeCompactDirectoryValue, encodeCompactDirectoryValue } from './directory-value-compact.ts'
import { encodeDirectoryValue, type DirectoryDevice, type DirectoryValue } from './directory-value.ts'

const b = (n: number): string => toBase64Url(new Uint8Array(randomBytes(n)))
function device(by?: DirectoryDevice): DirectoryDevice {
  const key = new Uint8Array(randomBytes(32))
  const id = deviceIdFromKey(key)
  return { id, key: toBase64Url(key), by: by?.id ?? id, byKey: by?.key ?? toBase64Url(key), sig: b(64) }
}

describe('compact directory entries', () => {
  const first = device()
  const shapes: Record<string, DirectoryValue> = {
    'three devices': { v: 2, kind: 'person', org: 'acme', devices: [first, device(first), device(first)], receipts: b(32) },
    'a guest, approver revoked, recovery with prev, idp': {
      v: 2,
      kind: 'person',
      org: null,
      idp: { issuer: 'https://login.acme.example', subject: '00u1', email: 'ana@acme.example' },
      recovery: { key: b(32), prev: b(32), by: first.id, byKey: first.key, sig: b(64) },
      devices: [device({ ...device(), id: 'revoked-device-id-000' }), { ...device(), by: 'recovery', byKey: b(32) }],
    },
    'a bot with no devices': { v: 2, kind: 'bot', org: 'acme', devices: [] },
  }
  it.each(Object.entries(shapes))('%s: decodes to the very bytes, smaller', (_name, value) => {
    const bytes = encodeDirectoryValue(value)
    const compact = encodeCompactDirectoryValue(bytes)!
    expect(compact).not.toBeNull()
    expect(Buffer.from(decodeCompactDirectoryValue(compact)!).equals(Buffer.from(bytes))).toBe(true)
    expect(compact.length).toBeLessThan(bytes.length * 0.6)
  })

  it('a version 1 entry, or an id not derived from its key, has no compact form (it goes raw)', () => {
    expect(encodeCompactDirectoryValue(encodeDirectoryValue({ v: 1, devices: [first] }))).toBeNull()
    expect(encodeCompactDirectoryValue(encodeDirectoryValue({ v: 2, kind: 'person', org: null, devices: [{ ...first, id: 'not-the-id' }] }))).toBeNull()
  })

  it('truncated, extended or bit-flipped forms decode to null or to other bytes, never throw', () => {
    const bytes = encodeDirectoryValue(shapes['three devices']!)
    const compact = encodeCompactDirectoryValue(bytes)!
    expect(decodeCompactDirectoryValue(compact.subarray(0, compact.length - 1))).toBeNull()
    expect(decodeCompactDirectoryValue(Uint8Array.of(...compact, 0))).toBeNull()
    for (let i = 0; i < compact.length; i++) {
      const t = compact.slice()
      t[i]! ^= 0x01
      const out = decodeCompactDirectoryValue(t)
      expect(out === null || !Buffer.from(out).equals(Buffer.from(bytes))).toBe(true)
    }
  })
})
