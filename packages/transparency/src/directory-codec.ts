// Compact binary form of lookup and history proofs (big-endian, TLS-style), so a lookup fits in
// well under 2 KB. Decoding is total: anything malformed, truncated or with trailing bytes is null.
import { isBytes, isSafeIndex } from './bytes.ts'
import { OPENING_SIZE } from './commitment.ts'
import { MAX_VALUE_BYTES } from './directory-encoding.ts'
import type { EpochProof, HistoryProof, HistoryVersionProof, LookupProof, OpenedVersionProof, PastLookupProof, VersionProof } from './directory-proofs.ts'
import { VRF_PROOF_SIZE } from './ecvrf.ts'
import { decodePrefixProof, encodePrefixProof } from './prefix-proof.ts'

const MAX_LOG_PROOF = 64
const MAX_HISTORY = 10_000

export class Writer {
  readonly parts: Uint8Array[] = []
  bytes(b: Uint8Array): void {
    this.parts.push(b)
  }
  u8(n: number): void {
    this.parts.push(Uint8Array.of(n))
  }
  u16(n: number): void {
    this.parts.push(Uint8Array.of(n >> 8, n & 0xff))
  }
  u32(n: number): void {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n)
    this.parts.push(b)
  }
  u64(n: number): void {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigUint64(0, BigInt(n))
    this.parts.push(b)
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((a, p) => a + p.length, 0))
    let o = 0
    for (const p of this.parts) {
      out.set(p, o)
      o += p.length
    }
    return out
  }
}

export class Reader {
  o = 0
  constructor(readonly b: Uint8Array) {}
  bytes(n: number): Uint8Array {
    if (this.o + n > this.b.length) throw new RangeError('truncated')
    const out = this.b.slice(this.o, this.o + n)
    this.o += n
    return out
  }
  u8(): number {
    return this.bytes(1)[0]!
  }
  u16(): number {
    const b = this.bytes(2)
    return (b[0]! << 8) | b[1]!
  }
  u32(): number {
    return new DataView(this.bytes(4).buffer).getUint32(0)
  }
  u64(): number {
    const n = new DataView(this.bytes(8).buffer).getBigUint64(0)
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('u64 out of range')
    return Number(n)
  }
}

function writeEpoch(w: Writer, p: EpochProof): void {
  w.u64(p.treeSize)
  w.u64(p.timestamp)
  w.bytes(p.prefixRoot)
  w.u8(p.logProof.length)
  for (const h of p.logProof) w.bytes(h)
}

function readEpoch(r: Reader): EpochProof {
  const treeSize = r.u64()
  const timestamp = r.u64()
  const prefixRoot = r.bytes(32)
  const count = r.u8()
  if (count > MAX_LOG_PROOF) throw new RangeError('log proof too long')
  const logProof = Array.from({ length: count }, () => r.bytes(32))
  return { treeSize, timestamp, prefixRoot, logProof }
}

function writeVersion(w: Writer, v: VersionProof): void {
  w.u32(v.version)
  w.bytes(v.vrfProof)
  w.bytes(encodePrefixProof(v.prefixProof))
}

function readVersion(r: Reader): VersionProof {
  const version = r.u32()
  const vrfProof = r.bytes(VRF_PROOF_SIZE)
  const decoded = decodePrefixProof(r.b, r.o)
  if (decoded === null) throw new RangeError('bad prefix proof')
  r.o = decoded.next
  return { version, vrfProof, prefixProof: decoded.proof }
}

function writeOpened(w: Writer, v: OpenedVersionProof): void {
  writeVersion(w, v)
  w.bytes(v.commitment)
  if (v.value === null || v.opening === null) {
    w.u8(0)
    return
  }
  w.u8(1)
  w.bytes(v.opening)
  w.u32(v.value.length)
  w.bytes(v.value)
}

function readOpened(r: Reader): OpenedVersionProof {
  const v = readVersion(r)
  const commitment = r.bytes(32)
  const flag = r.u8()
  if (flag === 0) return { ...v, commitment, value: null, opening: null }
  if (flag !== 1) throw new RangeError('bad flag')
  const opening = r.bytes(OPENING_SIZE)
  const length = r.u32()
  if (length > MAX_VALUE_BYTES) throw new RangeError('value too long')
  return { ...v, commitment, opening, value: r.bytes(length) }
}

function writeLookup(w: Writer, p: LookupProof): void {
  writeEpoch(w, p)
  w.u8(p.latest === null ? 0 : 1)
  if (p.latest !== null) writeOpened(w, p.latest)
  writeVersion(w, p.absent)
}

function readLookup(r: Reader): LookupProof {
  const epoch = readEpoch(r)
  const has = r.u8()
  if (has > 1) throw new RangeError('bad flag')
  const latest = has === 1 ? readOpened(r) : null
  return { ...epoch, latest, absent: readVersion(r) }
}

export function encodeLookupProof(p: LookupProof): Uint8Array {
  const w = new Writer()
  writeLookup(w, p)
  return w.finish()
}

export function decodeLookupProof(bytes: unknown): LookupProof | null {
  return decodeWith(bytes, readLookup)
}

/** `u64 epoch || LookupProof`. */
export function encodePastLookupProof(p: PastLookupProof): Uint8Array {
  const w = new Writer()
  w.u64(p.epoch)
  writeLookup(w, p)
  return w.finish()
}

export function decodePastLookupProof(bytes: unknown): PastLookupProof | null {
  return decodeWith(bytes, (r) => {
    const epoch = r.u64()
    const lookup = readLookup(r)
    if (epoch >= lookup.treeSize) throw new RangeError('epoch beyond the tree')
    return { epoch, ...lookup }
  })
}

export function encodeHistoryProof(p: HistoryProof): Uint8Array {
  const w = new Writer()
  writeEpoch(w, p)
  w.u32(p.versions.length)
  for (const v of p.versions) {
    writeOpened(w, v)
    w.u64(v.addedInEpoch)
  }
  writeVersion(w, p.absent)
  return w.finish()
}

export function decodeHistoryProof(bytes: unknown): HistoryProof | null {
  return decodeWith(bytes, (r) => {
    const epoch = readEpoch(r)
    const count = r.u32()
    if (count > MAX_HISTORY) throw new RangeError('history too long')
    const versions: HistoryVersionProof[] = []
    for (let i = 0; i < count; i++) {
      const v = readOpened(r)
      versions.push({ ...v, addedInEpoch: r.u64() })
    }
    return { ...epoch, versions, absent: readVersion(r) }
  })
}

function decodeWith<T extends EpochProof>(bytes: unknown, read: (r: Reader) => T): T | null {
  if (!isBytes(bytes)) return null
  try {
    const r = new Reader(bytes)
    const out = read(r)
    return r.o === bytes.length && isSafeIndex(out.treeSize) ? out : null
  } catch {
    return null
  }
}
