// Proofs from the prefix tree (KEYTRANS §11.2, one search key per proof) and the root they imply.
// The copath lists one entry per level from the root down; an absent node is null here and an
// all-zero hash in the hashing, and the binary form stores a bitmap instead of those zeros.
import { sha256Digest } from '@candor/crypto'
import { concatBytes, everyIndex, isBytes, isHash } from './bytes.ts'

export const ZERO_HASH: Uint8Array = new Uint8Array(32)
const LEAF = Uint8Array.of(0x01)
const PARENT = Uint8Array.of(0x02)
export const MAX_PREFIX_DEPTH = 255

export type PrefixProof =
  /** The search ended at the leaf for the key, `depth` levels down. */
  | { readonly kind: 'inclusion'; readonly depth: number; readonly copath: readonly (Uint8Array | null)[] }
  /** The search ended at a leaf for another key sharing the key's first `depth` bits. */
  | {
      readonly kind: 'leaf'
      readonly depth: number
      readonly copath: readonly (Uint8Array | null)[]
      readonly leafKey: Uint8Array
      readonly leafCommitment: Uint8Array
    }
  /** The node on the key's path at `depth` does not exist (depth 0: the tree is empty). */
  | { readonly kind: 'empty'; readonly depth: number; readonly copath: readonly (Uint8Array | null)[] }

/** leaf.value = SHA-256(0x01 || key || commitment) (§10.9). */
export function prefixLeafHash(key: Uint8Array, commitment: Uint8Array): Uint8Array {
  if (key.length !== 32 || commitment.length !== 32) return sha256Digest(concatBytes(LEAF, key, commitment))
  return hash65(LEAF[0]!, key, commitment)
}

/** One 65-byte message (tag ‖ a ‖ b) hashed in one pass, from a buffer reused (synchronously). */
const scratch = new Uint8Array(65)
function hash65(tag: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  scratch[0] = tag
  scratch.set(a, 1)
  scratch.set(b, 33)
  return sha256Digest(scratch)
}

/** parent.value = SHA-256(0x02 || left || right), absent children as 32 zero bytes. */
export function prefixParentHash(left: Uint8Array | null, right: Uint8Array | null): Uint8Array {
  const l = left ?? ZERO_HASH
  const r = right ?? ZERO_HASH
  if (l.length !== 32 || r.length !== 32) return sha256Digest(concatBytes(PARENT, l, r))
  return hash65(PARENT[0]!, l, r)
}

/** Bit i of a key, most significant bit of byte 0 first. */
export function keyBit(key: Uint8Array, i: number): number {
  return ((key[i >> 3] ?? 0) >> (7 - (i & 7))) & 1
}

function sharesPrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) if (keyBit(a, i) !== keyBit(b, i)) return false
  return true
}

function isCopath(copath: unknown, depth: number): copath is (Uint8Array | null)[] {
  return Array.isArray(copath) && copath.length === depth && everyIndex(copath, (c): c is Uint8Array | null => c === null || isHash(c))
}

/**
 * The prefix-tree root implied by `proof` for search key `key`, and whether the key was found
 * with `commitment`. Null on any malformed or impossible proof. For inclusion, `commitment` is the
 * committed value at the key; for non-inclusion it is ignored.
 */
export function prefixRootFromProof(
  key: Uint8Array,
  proof: PrefixProof,
  commitment: Uint8Array | null,
): Uint8Array | null {
  if (!isHash(key) || typeof proof !== 'object' || proof === null) return null
  const { kind, depth, copath } = proof
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_PREFIX_DEPTH || !isCopath(copath, depth)) return null
  let value: Uint8Array
  if (kind === 'inclusion') {
    if (commitment === null || !isHash(commitment)) return null
    value = prefixLeafHash(key, commitment)
  } else if (kind === 'leaf') {
    const { leafKey, leafCommitment } = proof
    if (!isHash(leafKey) || !isHash(leafCommitment)) return null
    // The other leaf must sit on this key's path and be a different key.
    if (!sharesPrefix(leafKey, key, depth) || leafKey.every((b, i) => b === key[i])) return null
    value = prefixLeafHash(leafKey, leafCommitment)
  } else if (kind === 'empty') {
    if (depth === 0) return ZERO_HASH
    // A missing child must have a present sibling, or its parent would not exist either.
    if (copath[depth - 1] === null) return null
    value = ZERO_HASH
  } else {
    return null
  }
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = copath[d] ?? null
    value = keyBit(key, d) === 0 ? prefixParentHash(value, sibling) : prefixParentHash(sibling, value)
  }
  return value
}

const KIND_CODES = { inclusion: 1, leaf: 2, empty: 3 } as const

/** kind u8 || depth u8 || [leafKey 32 || leafCommitment 32] || presence bitmap || present hashes. */
export function encodePrefixProof(proof: PrefixProof): Uint8Array {
  const present = proof.copath.filter((c): c is Uint8Array => c !== null)
  const maskBytes = Math.ceil(proof.depth / 8)
  const extra = proof.kind === 'leaf' ? 64 : 0
  const out = new Uint8Array(2 + extra + maskBytes + 32 * present.length)
  out[0] = KIND_CODES[proof.kind]
  out[1] = proof.depth
  let o = 2
  if (proof.kind === 'leaf') {
    out.set(proof.leafKey, o)
    out.set(proof.leafCommitment, o + 32)
    o += 64
  }
  proof.copath.forEach((c, i) => {
    if (c !== null) out[o + (i >> 3)]! |= 0x80 >> (i & 7)
  })
  o += maskBytes
  for (const c of present) {
    out.set(c, o)
    o += 32
  }
  return out
}

/** Decodes one proof from `bytes` at `offset`; returns it with the offset after it, or null. */
export function decodePrefixProof(bytes: Uint8Array, offset = 0): { proof: PrefixProof; next: number } | null {
  if (!isBytes(bytes) || bytes.length < offset + 2) return null
  const code = bytes[offset]!
  const depth = bytes[offset + 1]!
  let o = offset + 2
  let leafKey: Uint8Array | null = null
  let leafCommitment: Uint8Array | null = null
  if (code === 2) {
    if (bytes.length < o + 64) return null
    leafKey = bytes.slice(o, o + 32)
    leafCommitment = bytes.slice(o + 32, o + 64)
    o += 64
  } else if (code !== 1 && code !== 3) {
    return null
  }
  const maskBytes = Math.ceil(depth / 8)
  if (bytes.length < o + maskBytes) return null
  const mask = bytes.subarray(o, o + maskBytes)
  // Padding bits after the last level must be zero, so each proof has one encoding.
  if (depth % 8 !== 0 && ((mask[maskBytes - 1] ?? 0) & (0xff >> (depth % 8))) !== 0) return null
  o += maskBytes
  const copath: (Uint8Array | null)[] = []
  for (let i = 0; i < depth; i++) {
    if (((mask[i >> 3] ?? 0) & (0x80 >> (i & 7))) === 0) {
      copath.push(null)
      continue
    }
    if (bytes.length < o + 32) return null
    copath.push(bytes.slice(o, o + 32))
    o += 32
  }
  const proof: PrefixProof =
    code === 1
      ? { kind: 'inclusion', depth, copath }
      : code === 3
        ? { kind: 'empty', depth, copath }
        : { kind: 'leaf', depth, copath, leafKey: leafKey!, leafCommitment: leafCommitment! }
  return { proof, next: o }
}
