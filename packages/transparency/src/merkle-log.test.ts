import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { u32be } from './bytes.ts'
import { merkleLeafHash } from './merkle-hash.ts'
import { MerkleLog } from './merkle-log.ts'
import { merkleConsistencyProof, merkleInclusionProof, merkleRoot } from './merkle-proofs.ts'
import { verifyConsistency, verifyInclusion } from './merkle-verify.ts'

const leaves = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => merkleLeafHash(u32be(i)))
const flip = (bytes: Uint8Array, i: number): Uint8Array => {
  const copy = bytes.slice()
  copy[i % copy.length]! ^= 1 << (i % 8)
  return copy
}

describe('MerkleLog agrees with the RFC 9162 list definitions', () => {
  it('roots, inclusion and consistency proofs for every size up to 40', () => {
    const all = leaves(40)
    const log = new MerkleLog(all)
    for (let n = 0; n <= 40; n++) {
      expect(log.root(n)).toEqual(merkleRoot(all.slice(0, n)))
      for (let i = 0; i < n; i++) expect(log.inclusionProof(i, n)).toEqual(merkleInclusionProof(all.slice(0, n), i))
      for (let m = 0; m <= n; m++) expect(log.consistencyProof(m, n)).toEqual(merkleConsistencyProof(all.slice(0, n), m))
    }
  })

  it('refuses out-of-range sizes and non-hash leaves', () => {
    const log = new MerkleLog(leaves(3))
    expect(() => log.root(4)).toThrow(RangeError)
    expect(() => log.inclusionProof(3)).toThrow(RangeError)
    expect(() => log.consistencyProof(2, 4)).toThrow(RangeError)
    expect(() => log.append(new Uint8Array(31))).toThrow(TypeError)
  })
})

describe('property: proofs from the builder verify, and fail when a byte flips', () => {
  const big = new MerkleLog(leaves(5000))

  it('inclusion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), (size, rawIndex, flipAt) => {
        const index = rawIndex % size
        const proof = big.inclusionProof(index, size)
        const root = big.root(size)
        const leaf = big.leafHash(index)!
        expect(verifyInclusion(index, size, leaf, proof, root)).toBe(true)
        expect(verifyInclusion(index, size, flip(leaf, flipAt), proof, root)).toBe(false)
        expect(verifyInclusion(index, size, leaf, proof, flip(root, flipAt))).toBe(false)
        if (proof.length > 0) {
          const k = flipAt % proof.length
          const bad = proof.map((p, j) => (j === k ? flip(p, flipAt) : p))
          expect(verifyInclusion(index, size, leaf, bad, root)).toBe(false)
          expect(verifyInclusion(index, size, leaf, proof.slice(1), root)).toBe(false)
        }
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, leaf, proof, root)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('consistency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), (size2, raw1, flipAt) => {
        const size1 = 1 + (raw1 % size2)
        const proof = big.consistencyProof(size1, size2)
        const r1 = big.root(size1)
        const r2 = big.root(size2)
        expect(verifyConsistency(size1, size2, r1, r2, proof)).toBe(true)
        expect(verifyConsistency(size1, size2, flip(r1, flipAt), r2, proof)).toBe(false)
        expect(verifyConsistency(size1, size2, r1, flip(r2, flipAt), proof)).toBe(false)
        if (proof.length > 0) {
          const k = flipAt % proof.length
          const bad = proof.map((p, j) => (j === k ? flip(p, flipAt) : p))
          expect(verifyConsistency(size1, size2, r1, r2, bad)).toBe(false)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('scale', () => {
  it('holds 100k leaves and answers for any past size', () => {
    const log = new MerkleLog()
    for (let i = 0; i < 100_000; i++) log.append(merkleLeafHash(u32be(i)))
    for (const size of [1, 99_999, 65_536, 100_000, 12_345]) {
      const index = size - 1
      expect(verifyInclusion(index, size, log.leafHash(index)!, log.inclusionProof(index, size), log.root(size))).toBe(true)
      expect(verifyConsistency(size, 100_000, log.root(size), log.root(), log.consistencyProof(size))).toBe(true)
    }
  })
})
