// KEYTRANS commitments (draft-ietf-keytrans-protocol §10.6, suite constants from §15.1):
// commitment = HMAC-SHA256(Kc, CommitmentValue) with a random 16-byte opening. Deleting the
// opening leaves a commitment that can no longer be opened, which is how entries are erased.
import { hmacSha256 } from '@candor/crypto'
import { randomBytes } from '@noble/hashes/utils.js'
import { concatBytes, equalBytesCt, isBytes } from './bytes.ts'
import { encodeLabelVersion, MAX_VALUE_BYTES } from './directory-encoding.ts'

export const OPENING_SIZE = 16
const KC = Uint8Array.from([0xd8, 0x21, 0xf8, 0x79, 0x0d, 0x97, 0x70, 0x97, 0x96, 0xb4, 0xd7, 0x90, 0x33, 0x57, 0xc3, 0xf5])

export function newOpening(): Uint8Array {
  return randomBytes(OPENING_SIZE)
}

/**
 * struct { opaque opening[16]; opaque label<0..2^8-1>; uint32 version;
 *          UpdateValue update = { opaque value<0..2^32-1>; } } CommitmentValue
 */
export function commit(opening: Uint8Array, label: Uint8Array, version: number, value: Uint8Array): Uint8Array {
  const lv = encodeLabelVersion(label, version)
  const len = new Uint8Array(4)
  new DataView(len.buffer).setUint32(0, value.length)
  return hmacSha256(KC, concatBytes(opening, lv, len, value))
}

/** True if `opening` opens `commitment` to (label, version, value). Never throws. */
export function verifyCommitment(
  commitment: Uint8Array,
  opening: Uint8Array,
  label: Uint8Array,
  version: number,
  value: Uint8Array,
): boolean {
  if (!isBytes(commitment, 32) || !isBytes(opening, OPENING_SIZE) || !isBytes(value)) return false
  if (value.length > MAX_VALUE_BYTES || !Number.isInteger(version) || version < 0 || version > 0xffffffff) return false
  if (!isBytes(label) || label.length === 0 || label.length > 255) return false
  return equalBytesCt(commit(opening, label, version, value), commitment)
}
