// RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF), written once over a "hash of the
// leaf range [lo, hi)" function so the plain-list builders and MerkleLog share the recursion.
import { EMPTY_ROOT, merkleNodeHash, splitPoint } from './merkle-hash.ts'

export type RangeHasher = (lo: number, hi: number) => Uint8Array

export function inclusionPath(hashRange: RangeHasher, index: number, size: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`no leaf ${index} in a tree of ${size}`)
  }
  const path: Uint8Array[] = []
  // Walk down, collecting siblings; the proof lists them bottom-up, so reverse at the end.
  let lo = 0
  let hi = size
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo)
    if (index < lo + k) {
      path.push(hashRange(lo + k, hi))
      hi = lo + k
    } else {
      path.push(hashRange(lo, lo + k))
      lo += k
    }
  }
  return path.reverse()
}

export function consistencyPath(hashRange: RangeHasher, size1: number, size2: number): Uint8Array[] {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    throw new RangeError(`no consistency proof from ${size1} to ${size2}`)
  }
  if (size1 === 0 || size1 === size2) return []
  const path: Uint8Array[] = []
  let m = size1
  let lo = 0
  let hi = size2
  let complete = true // SUBPROOF's flag b: is the current subtree one the verifier already has?
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo)
    if (m <= k) {
      path.push(hashRange(lo + k, hi))
      hi = lo + k
    } else {
      path.push(hashRange(lo, lo + k))
      lo += k
      m -= k
      complete = false
    }
  }
  if (!complete) path.push(hashRange(lo, hi))
  return path.reverse()
}

function listHasher(leafHashes: readonly Uint8Array[]): RangeHasher {
  const hashRange: RangeHasher = (lo, hi) => {
    if (hi - lo === 1) return leafHashes[lo]!
    const k = splitPoint(hi - lo)
    return merkleNodeHash(hashRange(lo, lo + k), hashRange(lo + k, hi))
  }
  return hashRange
}

/** MTH(D[n]) of a list of leaf hashes. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  return leafHashes.length === 0 ? EMPTY_ROOT : listHasher(leafHashes)(0, leafHashes.length)
}

export function merkleInclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  return inclusionPath(listHasher(leafHashes), index, leafHashes.length)
}

/** Consistency proof from the first `size1` leaves to the whole list. */
export function merkleConsistencyProof(leafHashes: readonly Uint8Array[], size1: number): Uint8Array[] {
  return consistencyPath(listHasher(leafHashes), size1, leafHashes.length)
}
