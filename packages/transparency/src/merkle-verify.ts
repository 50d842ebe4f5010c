// RFC 9162 §2.1.3.2 and §2.1.4.2 verification. Sizes can exceed 2^32, so arithmetic avoids the
// 32-bit bitwise operators. Every function returns false/null on malformed input.
import { equalBytes, everyIndex, isHash, isSafeIndex } from './bytes.ts'
import { merkleNodeHash } from './merkle-hash.ts'

const MAX_PROOF = 64

const odd = (n: number): boolean => n % 2 === 1
const half = (n: number): number => Math.floor(n / 2)

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && !odd(n)) n = half(n)
  return n === 1
}

function isHashList(proof: unknown): proof is Uint8Array[] {
  return Array.isArray(proof) && proof.length <= MAX_PROOF && everyIndex(proof, isHash)
}

/** The root implied by an inclusion proof, or null if the proof cannot be for this position. */
export function rootFromInclusionProof(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
): Uint8Array | null {
  if (!isSafeIndex(leafIndex) || !isSafeIndex(treeSize) || leafIndex >= treeSize) return null
  if (!isHash(leafHash) || !isHashList(proof)) return null
  let fn = leafIndex
  let sn = treeSize - 1
  let r = leafHash
  for (const p of proof) {
    if (sn === 0) return null
    if (odd(fn) || fn === sn) {
      r = merkleNodeHash(p, r)
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      r = merkleNodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 ? r : null
}

export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(root)) return false
  const computed = rootFromInclusionProof(leafIndex, treeSize, leafHash, proof)
  return computed !== null && equalBytes(computed, root)
}

export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (!isSafeIndex(size1) || !isSafeIndex(size2) || !Array.isArray(proof)) return false
  // A proof from the empty tree proves nothing, so it is refused rather than trivially accepted.
  if (size1 === 0 || size1 > size2) return false
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) return false
  if (size1 === size2) {
    // Same size: the roots must simply be identical (compared as opaque bytes, which is what the
    // transparency-dev vectors expect) and the proof empty.
    return proof.length === 0 && equalBytes(root1, root2)
  }
  if (!isHash(root1) || !isHash(root2) || proof.length === 0 || !isHashList(proof)) return false

  // Step 2: if size1 is a power of two, the first subtree root is root1 itself.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof
  let fn = size1 - 1
  let sn = size2 - 1
  while (odd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  const [first, ...rest] = path
  if (first === undefined) return false
  let fr = first
  let sr = first
  for (const c of rest) {
    if (sn === 0) return false
    if (odd(fn) || fn === sn) {
      fr = merkleNodeHash(c, fr)
      sr = merkleNodeHash(c, sr)
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      sr = merkleNodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && equalBytes(fr, root1) && equalBytes(sr, root2)
}
