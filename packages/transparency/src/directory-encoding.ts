// Byte encodings shared by the directory's server and verifiers (TLS presentation language, as
// KEYTRANS uses): label/version pairs for the VRF and commitments, and log entries.
import { concatBytes, u64be, utf8 } from './bytes.ts'
import { merkleLeafHash } from './merkle-hash.ts'

export const MAX_LABEL_BYTES = 255
export const MAX_VALUE_BYTES = 64 * 1024
export const MAX_VERSION = 0xffffffff

/** UTF-8 bytes of a label, or null if it is empty, too long or not a string. */
export function labelBytes(label: unknown): Uint8Array | null {
  if (typeof label !== 'string' || label.length === 0) return null
  const bytes = utf8(label)
  return bytes.length <= MAX_LABEL_BYTES ? bytes : null
}

/** struct { opaque label<0..2^8-1>; uint32 version; } — KEYTRANS VrfInput (§10.7). */
export function encodeLabelVersion(label: Uint8Array, version: number): Uint8Array {
  if (label.length > MAX_LABEL_BYTES) throw new RangeError('label too long')
  if (!Number.isInteger(version) || version < 0 || version > MAX_VERSION) throw new RangeError('bad version')
  const out = new Uint8Array(1 + label.length + 4)
  out[0] = label.length
  out.set(label, 1)
  new DataView(out.buffer).setUint32(1 + label.length, version)
  return out
}

/** The prefix-tree search key: the VRF output truncated to 32 bytes (KT_128_SHA256_Ed25519). */
export function searchKey(vrfOutput: Uint8Array): Uint8Array {
  return vrfOutput.slice(0, 32)
}

/** struct { uint64 timestamp; opaque prefix_tree[32]; } LogEntry (§10.8), in milliseconds. */
export function encodeLogEntry(timestamp: number, prefixRoot: Uint8Array): Uint8Array {
  return concatBytes(u64be(timestamp), prefixRoot)
}

/** The RFC 9162 leaf hash of an epoch's log entry. */
export function logEntryLeafHash(timestamp: number, prefixRoot: Uint8Array): Uint8Array {
  return merkleLeafHash(encodeLogEntry(timestamp, prefixRoot))
}
