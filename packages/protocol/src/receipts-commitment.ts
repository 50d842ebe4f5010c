// The commitment to a person's access receipts that their key-directory entry carries (§3
// `receipts`, docs/data-ownership.md "Withheld receipts"): the number of receipts the server has
// committed to handing them and the leaf hash of the last one, under a per-person salt, so that
// contacts who look the person up learn only that it changed while the person's own client can
// recompute it from the receipts it was handed.
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, toBase64Url, utf8 } from './bytes.ts'
import { CandorError } from './errors.ts'

export const RECEIPTS_COMMITMENT_DOMAIN = 'candor/receipts/v1'
export const RECEIPTS_SALT_BYTES = 32
const LEAF_HASH_BYTES = 32

/**
 * base64url(SHA-256("candor/receipts/v1" ‖ salt ‖ u64be(count) ‖ lastLeafHash)); with no
 * receipts, `lastLeafHash` is null and 32 zero bytes stand in for it.
 */
export function receiptsCommitment(salt: Uint8Array, count: number, lastLeafHash: Uint8Array | null): string {
  if (!(salt instanceof Uint8Array) || salt.length !== RECEIPTS_SALT_BYTES) throw new CandorError('bad_request', `receipts commitment: the salt must be ${RECEIPTS_SALT_BYTES} bytes`)
  if (!Number.isSafeInteger(count) || count < 0) throw new CandorError('bad_request', 'receipts commitment: the count must be a non-negative safe integer')
  if ((count === 0) !== (lastLeafHash === null)) throw new CandorError('bad_request', 'receipts commitment: a last leaf hash is given exactly when the count is positive')
  if (lastLeafHash !== null && lastLeafHash.length !== LEAF_HASH_BYTES) throw new CandorError('bad_request', `receipts commitment: the last leaf hash must be ${LEAF_HASH_BYTES} bytes`)
  const n = new Uint8Array(8)
  new DataView(n.buffer).setBigUint64(0, BigInt(count))
  return toBase64Url(sha256(concatBytes(utf8(RECEIPTS_COMMITMENT_DOMAIN), salt, n, lastLeafHash ?? new Uint8Array(LEAF_HASH_BYTES))))
}
