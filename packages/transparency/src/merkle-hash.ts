// RFC 9162 §2.1.1: SHA-256 with domain separation between leaves (0x00) and interior nodes
// (0x01), so a leaf can never be passed off as a node or the other way round.
import { sha256Digest } from '@candor/crypto'
import { concatBytes } from './bytes.ts'

const LEAF_PREFIX = Uint8Array.of(0x00)
const NODE_PREFIX = Uint8Array.of(0x01)

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256Digest(new Uint8Array(0))

export function merkleLeafHash(data: Uint8Array): Uint8Array {
  return sha256Digest(concatBytes(LEAF_PREFIX, data))
}

const scratch = new Uint8Array(65)

export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) return sha256Digest(concatBytes(NODE_PREFIX, left, right))
  // One pass over a reused 65-byte buffer (synchronous, so never shared).
  scratch[0] = 0x01
  scratch.set(left, 1)
  scratch.set(right, 33)
  return sha256Digest(scratch)
}

/** Largest power of two strictly smaller than n (n >= 2), the split point k of RFC 9162. */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
