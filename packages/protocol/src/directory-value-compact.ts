// A lossless binary form of version 2 directory values (§3 "Compact lookups"), for the compact
// lookup response: keys, signatures and the receipts commitment as raw bytes, device ids left
// out (each is derived from its key), and an enrolling device named by its place in the list
// when it is listed (then its id and key are that device's). Decoding rebuilds the value and
// re-encodes it canonically, so the client hashes exactly the bytes the server committed to; a
// value this form cannot carry (version 1, an id not derived from its key, anything unusual) is
// sent as it is (`encode` gives null, and the caller checks `decode(encode(v))` gives v back).
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts'
import { deviceIdFromKey } from './device-id.ts'
import { decodeDirectoryValue, encodeDirectoryValue, DIRECTORY_KINDS, type DirectoryDevice, type DirectoryValueV2 } from './directory-value.ts'

const IDP = 1
const RECOVERY = 2
const PREV = 4
const RECEIPTS = 8
const EXPLICIT = 0xff

class Out {
  readonly bytes: number[] = []
  u8(n: number): void {
    this.bytes.push(n)
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x)
  }
  /** base64url of exactly `n` bytes, raw. */
  b64(s: string, n: number): void {
    const b = fromBase64Url(s)
    if (b?.length !== n) throw new RangeError('unexpected length')
    this.raw(b)
  }
  text8(s: string): void {
    const b = utf8(s)
    if (b.length > 255) throw new RangeError('text too long')
    this.u8(b.length)
    this.raw(b)
  }
  text16(s: string): void {
    const b = utf8(s)
    if (b.length > 0xffff) throw new RangeError('text too long')
    this.u8(b.length >> 8)
    this.u8(b.length & 0xff)
    this.raw(b)
  }
}

class In {
  o = 0
  constructor(readonly b: Uint8Array) {}
  u8(): number {
    if (this.o >= this.b.length) throw new RangeError('truncated')
    return this.b[this.o++]!
  }
  raw(n: number): Uint8Array {
    if (this.o + n > this.b.length) throw new RangeError('truncated')
    const out = this.b.slice(this.o, this.o + n)
    this.o += n
    return out
  }
  b64(n: number): string {
    return toBase64Url(this.raw(n))
  }
  text(n: number): string {
    return fromUtf8(this.raw(n))
  }
  text8(): string {
    return this.text(this.u8())
  }
  text16(): string {
    return this.text((this.u8() << 8) | this.u8())
  }
}

/** The compact form of a canonical version 2 value, or null when it has none. */
export function encodeCompactDirectoryValue(value: Uint8Array): Uint8Array | null {
  const v = decodeDirectoryValue(value)
  if (v === null || v.v !== 2 || v.devices.length > 254) return null
  try {
    const w = new Out()
    w.u8(DIRECTORY_KINDS.indexOf(v.kind))
    if (v.org === null) w.u8(0)
    else w.text8(v.org)
    const r = v.recovery
    w.u8((v.idp ? IDP : 0) | (r ? RECOVERY : 0) | (r?.prev !== undefined ? PREV : 0) | (v.receipts !== undefined ? RECEIPTS : 0))
    if (v.idp) {
      w.text16(v.idp.issuer)
      w.text16(v.idp.subject)
      w.text16(v.idp.email)
    }
    if (r) {
      w.b64(r.key, 32)
      if (r.prev !== undefined) w.b64(r.prev, 32)
      w.text8(r.by)
      w.b64(r.byKey, 32)
      w.b64(r.sig, 64)
    }
    w.u8(v.devices.length)
    for (const d of v.devices) {
      w.b64(d.key, 32)
      const by = v.devices.findIndex((x) => x.id === d.by && x.key === d.byKey)
      if (by >= 0) w.u8(by)
      else {
        w.u8(EXPLICIT)
        w.text8(d.by)
        w.b64(d.byKey, 32)
      }
      w.b64(d.sig, 64)
    }
    if (v.receipts !== undefined) w.b64(v.receipts, 32)
    const out = Uint8Array.from(w.bytes)
    const back = decodeCompactDirectoryValue(out)
    return back !== null && back.length === value.length && back.every((b, i) => b === value[i]) ? out : null
  } catch {
    return null
  }
}

/** The canonical value bytes of a compact form, or null if it is malformed. */
export function decodeCompactDirectoryValue(bytes: Uint8Array): Uint8Array | null {
  try {
    const r = new In(bytes)
    const kind = DIRECTORY_KINDS[r.u8()]
    if (kind === undefined) return null
    const orgLength = r.u8()
    const org = orgLength === 0 ? null : r.text(orgLength)
    const flags = r.u8()
    if (flags & ~(IDP | RECOVERY | PREV | RECEIPTS) || (flags & PREV && !(flags & RECOVERY))) return null
    const value: DirectoryValueV2 = { v: 2, kind, org, devices: [] }
    if (flags & IDP) value.idp = { issuer: r.text16(), subject: r.text16(), email: r.text16() }
    if (flags & RECOVERY) {
      const key = r.b64(32)
      const prev = flags & PREV ? { prev: r.b64(32) } : {}
      value.recovery = { key, ...prev, by: r.text8(), byKey: r.b64(32), sig: r.b64(64) }
    }
    const count = r.u8()
    const raw: Array<{ key: Uint8Array; by: number | { by: string; byKey: string }; sig: string }> = []
    for (let i = 0; i < count; i++) {
      const key = r.raw(32)
      const ref = r.u8()
      const by = ref === EXPLICIT ? { by: r.text8(), byKey: r.b64(32) } : ref
      raw.push({ key, by, sig: r.b64(64) })
    }
    const devices: DirectoryDevice[] = raw.map((d) => ({ id: deviceIdFromKey(d.key), key: toBase64Url(d.key), by: '', byKey: '', sig: d.sig }))
    raw.forEach((d, i) => {
      if (typeof d.by === 'number') {
        const listed = devices[d.by]
        if (listed === undefined) throw new RangeError('no such device')
        devices[i]!.by = listed.id
        devices[i]!.byKey = listed.key
      } else {
        devices[i]!.by = d.by.by
        devices[i]!.byKey = d.by.byKey
      }
    })
    value.devices = devices
    if (flags & RECEIPTS) value.receipts = r.b64(32)
    if (r.o !== bytes.length) return null
    const out = encodeDirectoryValue(value)
    // Only a well-formed canonical value: the same check a JSON lookup's value gets.
    return decodeDirectoryValue(out) === null ? null : out
  } catch {
    return null
  }
}

/** The two as the transparency package's `ValueCodec` (compact lookups). */
export const compactDirectoryValueCodec = { encode: encodeCompactDirectoryValue, decode: decodeCompactDirectoryValue }
