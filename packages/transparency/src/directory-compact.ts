// The compact lookup response (docs/protocol.md §3 "Compact lookups"): one binary body carrying
// the checkpoint and the lookup proof with everything the client can derive left out — the
// checkpoint's text (origin, size and root: the origin is pinned, the size is the proof's, the
// root follows from the log proof), the epoch's prefix root (it follows from the prefix proofs),
// the commitment of an opened version (it follows from the opening), the absent version's number
// — and the value in the caller's compact form (`ValueCodec`, e.g. the directory entry's). The
// encoder checks that decoding gives back exactly what it was given, and otherwise writes that
// part in full (format bytes below), so the compact form never changes what a client verifies.
// Decoding is total: malformed, truncated or trailing bytes give null.
import { equalBytes, fromUtf8, isBytes, utf8 } from './bytes.ts'
import { commit, OPENING_SIZE } from './commitment.ts'
import { Reader, Writer } from './directory-codec.ts'
import { labelBytes, logEntryLeafHash, MAX_VALUE_BYTES, searchKey } from './directory-encoding.ts'
import type { LookupProof, OpenedVersionProof } from './directory-proofs.ts'
import { VRF_PROOF_SIZE, vrfProofToHash } from './ecvrf.ts'
import { rootFromInclusionProof } from './merkle-verify.ts'
import { decodePrefixProof, encodePrefixProof, prefixRootFromProof, type PrefixProof } from './prefix-proof.ts'
import { formatNote, parseNote, type NoteSignature } from './signed-note.ts'
import { formatCheckpoint, parseCheckpoint } from './tlog-checkpoint.ts'

export const COMPACT_LOOKUP_MEDIA_TYPE = 'application/vnd.candor.lookup'
const VERSION = 1
const MAX_LOG_PROOF = 64

/** A lossless compact form of directory values; `decode(encode(v))` must give v's bytes back (else v goes in full). */
export interface ValueCodec {
  encode(value: Uint8Array): Uint8Array | null
  decode(bytes: Uint8Array): Uint8Array | null
}

export interface CompactLookup {
  /** The signed checkpoint note, as the JSON form's `checkpoint`. */
  checkpoint: string
  proof: LookupProof
}

const CHECKPOINT_FULL = 0
const CHECKPOINT_DERIVED = 1
const LATEST_NONE = 0
const LATEST_OPENED = 1
const LATEST_TOMBSTONED = 2
const VALUE_RAW = 0
const VALUE_CODEC = 1

/** The body for `lookup` (label `label`, directory `origin`), or throws on a proof it cannot carry. */
export function encodeCompactLookup(label: string, lookup: CompactLookup, origin: string, codec?: ValueCodec): Uint8Array {
  const w = new Writer()
  w.u8(VERSION)
  writeEpochAndProof(w, lookup.proof, codec)
  writeCheckpoint(w, lookup, origin)
  const out = w.finish()
  // The encoder's own check: the form decodes to exactly what it was given.
  const back = decodeCompactLookup(label, out, origin, codec)
  if (back === null || back.checkpoint !== lookup.checkpoint || !sameLookup(back.proof, lookup.proof)) {
    throw new Error('compact lookup does not round-trip')
  }
  return out
}

function writeEpochAndProof(w: Writer, p: LookupProof, codec: ValueCodec | undefined): void {
  w.u64(p.treeSize)
  w.u64(p.timestamp)
  w.u8(p.logProof.length)
  for (const h of p.logProof) w.bytes(h)
  const latest = p.latest
  if (latest === null) {
    w.u8(LATEST_NONE)
  } else if (latest.value === null || latest.opening === null) {
    w.u8(LATEST_TOMBSTONED)
    w.u32(latest.version)
    w.bytes(latest.vrfProof)
    w.bytes(encodePrefixProof(latest.prefixProof))
    w.bytes(latest.commitment)
  } else {
    w.u8(LATEST_OPENED)
    w.u32(latest.version)
    w.bytes(latest.vrfProof)
    w.bytes(encodePrefixProof(latest.prefixProof))
    w.bytes(latest.opening)
    const compact = codec?.encode(latest.value) ?? null
    const fits = compact !== null && equalOrNull(codec!.decode(compact), latest.value)
    w.u8(fits ? VALUE_CODEC : VALUE_RAW)
    const body = fits ? compact : latest.value
    w.u32(body.length)
    w.bytes(body)
  }
  w.bytes(p.absent.vrfProof)
  w.bytes(encodePrefixProof(p.absent.prefixProof))
}

function equalOrNull(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && equalBytes(a, b)
}

function writeCheckpoint(w: Writer, lookup: CompactLookup, origin: string): void {
  const note = parseNote(lookup.checkpoint)
  const head = note && parseCheckpoint(note.text)
  const derivable =
    note !== null &&
    head !== null &&
    head.origin === origin &&
    head.extensions.length === 0 &&
    head.size === lookup.proof.treeSize &&
    note.signatures.length <= 255 &&
    note.signatures.every((s) => utf8(s.name).length <= 255 && s.signature.length <= 0xffff) &&
    formatCheckpoint(head) === note.text
  if (!derivable) {
    const bytes = utf8(lookup.checkpoint)
    w.u8(CHECKPOINT_FULL)
    w.u32(bytes.length)
    w.bytes(bytes)
    return
  }
  w.u8(CHECKPOINT_DERIVED)
  w.u8(note.signatures.length)
  for (const s of note.signatures) {
    const name = s.name === origin ? new Uint8Array(0) : utf8(s.name)
    w.u8(name.length)
    w.bytes(name)
    w.u32(s.keyId)
    w.u16(s.signature.length)
    w.bytes(s.signature)
  }
}

/** The checkpoint note and lookup proof of a compact body for `label`, or null. */
export function decodeCompactLookup(label: string, bytes: unknown, origin: string, codec?: ValueCodec): CompactLookup | null {
  if (!isBytes(bytes)) return null
  const lb = labelBytes(label)
  if (lb === null) return null
  try {
    const r = new Reader(bytes)
    if (r.u8() !== VERSION) return null
    const treeSize = r.u64()
    const timestamp = r.u64()
    const count = r.u8()
    if (count > MAX_LOG_PROOF || treeSize < 1) return null
    const logProof = Array.from({ length: count }, () => r.bytes(32))
    const kind = r.u8()
    let latest: OpenedVersionProof | null = null
    let prefixRoot: Uint8Array | null = null
    if (kind === LATEST_OPENED || kind === LATEST_TOMBSTONED) {
      const version = r.u32()
      const vrfProof = r.bytes(VRF_PROOF_SIZE)
      const prefixProof = readPrefixProof(r)
      let commitment: Uint8Array
      let value: Uint8Array | null = null
      let opening: Uint8Array | null = null
      if (kind === LATEST_TOMBSTONED) {
        commitment = r.bytes(32)
      } else {
        opening = r.bytes(OPENING_SIZE)
        const form = r.u8()
        const length = r.u32()
        if (length > MAX_VALUE_BYTES * 2) return null
        const body = r.bytes(length)
        if (form === VALUE_RAW) value = body
        else if (form === VALUE_CODEC && codec !== undefined) value = codec.decode(body)
        else return null
        if (value === null || value.length > MAX_VALUE_BYTES || version < 1) return null
        commitment = commit(opening, lb, version, value)
      }
      // The prefix root is the one the included version's search implies.
      const beta = vrfProofToHash(vrfProof)
      if (beta === null) return null
      prefixRoot = prefixRootFromProof(searchKey(beta), prefixProof, commitment)
      latest = { version, vrfProof, prefixProof, commitment, value, opening }
    } else if (kind !== LATEST_NONE) {
      return null
    }
    const absentPi = r.bytes(VRF_PROOF_SIZE)
    const absentPrefix = readPrefixProof(r)
    const absent = { version: (latest?.version ?? 0) + 1, vrfProof: absentPi, prefixProof: absentPrefix }
    if (prefixRoot === null) {
      const beta = vrfProofToHash(absentPi)
      if (beta === null) return null
      prefixRoot = prefixRootFromProof(searchKey(beta), absentPrefix, null)
    }
    if (prefixRoot === null) return null
    const proof: LookupProof = { treeSize, timestamp, prefixRoot, logProof, latest, absent }
    const checkpoint = readCheckpoint(r, proof, origin)
    if (checkpoint === null || r.o !== bytes.length) return null
    return { checkpoint, proof }
  } catch {
    return null
  }
}

function readPrefixProof(r: Reader): PrefixProof {
  const decoded = decodePrefixProof(r.b, r.o)
  if (decoded === null) throw new RangeError('bad prefix proof')
  r.o = decoded.next
  return decoded.proof
}

function readCheckpoint(r: Reader, proof: LookupProof, origin: string): string | null {
  const form = r.u8()
  if (form === CHECKPOINT_FULL) return fromUtf8(r.bytes(r.u32()))
  if (form !== CHECKPOINT_DERIVED) return null
  const leaf = logEntryLeafHash(proof.timestamp, proof.prefixRoot)
  const rootHash = rootFromInclusionProof(proof.treeSize - 1, proof.treeSize, leaf, [...proof.logProof])
  if (rootHash === null) return null
  const text = formatCheckpoint({ origin, size: proof.treeSize, rootHash, extensions: [] })
  const signatures: NoteSignature[] = []
  const count = r.u8()
  for (let i = 0; i < count; i++) {
    const nameBytes = r.bytes(r.u8())
    const name = nameBytes.length === 0 ? origin : fromUtf8(nameBytes)
    if (name === null) return null
    const keyId = r.u32()
    signatures.push({ name, keyId, signature: r.bytes(r.u16()) })
  }
  const note = formatNote(text, signatures)
  // Only a note that parses back to these parts is one the JSON form could have carried.
  return parseNote(note) === null ? null : note
}

function sameLookup(a: LookupProof, b: LookupProof): boolean {
  const same = (x: Uint8Array | null, y: Uint8Array | null): boolean => (x === null || y === null ? x === y : equalBytes(x, y))
  if (a.treeSize !== b.treeSize || a.timestamp !== b.timestamp || !equalBytes(a.prefixRoot, b.prefixRoot)) return false
  if (a.logProof.length !== b.logProof.length || a.logProof.some((h, i) => !equalBytes(h, b.logProof[i]!))) return false
  if (a.absent.version !== b.absent.version || !equalBytes(a.absent.vrfProof, b.absent.vrfProof)) return false
  if (!equalBytes(encodePrefixProof(a.absent.prefixProof), encodePrefixProof(b.absent.prefixProof))) return false
  if (a.latest === null || b.latest === null) return a.latest === b.latest
  const [x, y] = [a.latest, b.latest]
  return (
    x.version === y.version &&
    equalBytes(x.vrfProof, y.vrfProof) &&
    equalBytes(encodePrefixProof(x.prefixProof), encodePrefixProof(y.prefixProof)) &&
    equalBytes(x.commitment, y.commitment) &&
    same(x.value, y.value) &&
    same(x.opening, y.opening)
  )
}

