import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { equalBytes, u32be } from './bytes.ts'
import { decodePrefixProof, encodePrefixProof, prefixRootFromProof, ZERO_HASH, type PrefixProof } from './prefix-proof.ts'
import { PrefixTree } from './prefix-tree.ts'

const key = (i: number): Uint8Array => sha256(u32be(i))
const commitmentOf = (i: number): Uint8Array => sha256(sha256(u32be(i)))

function build(n: number): PrefixTree {
  const tree = new PrefixTree()
  for (let i = 0; i < n; i++) tree.insert(key(i), commitmentOf(i))
  return tree
}

describe('prefix tree', () => {
  it('empty tree: zero root and a depth-0 empty proof', () => {
    const tree = new PrefixTree()
    expect(tree.root()).toEqual(ZERO_HASH)
    const proof = tree.prove(key(1))
    expect(proof).toEqual({ kind: 'empty', depth: 0, copath: [] })
    expect(prefixRootFromProof(key(1), proof, null)).toEqual(ZERO_HASH)
  })

  it('the root does not depend on insertion order', () => {
    const a = build(200)
    const b = new PrefixTree()
    for (let i = 199; i >= 0; i--) b.insert(key(i), commitmentOf(i))
    expect(a.root()).toEqual(b.root())
  })

  it('refuses duplicate keys', () => {
    const tree = build(3)
    expect(() => tree.insert(key(1), commitmentOf(9))).toThrow()
  })

  it('property: inclusion and non-inclusion proofs verify, survive encoding, and fail when tampered', () => {
    const tree = build(3000)
    const root = tree.root()
    fc.assert(
      fc.property(fc.nat(5999), fc.nat(), (i, flipAt) => {
        const k = key(i)
        const proof = tree.prove(k)
        const present = i < 3000
        expect(proof.kind === 'inclusion').toBe(present)
        const commitment = present ? commitmentOf(i) : null
        expect(prefixRootFromProof(k, proof, commitment)).toEqual(root)
        const decoded = decodePrefixProof(encodePrefixProof(proof))!
        expect(decoded.proof).toEqual(proof)
        expect(prefixRootFromProof(k, decoded.proof, commitment)).toEqual(root)
        // Wrong commitment, wrong key, tampered copath: all give another root or null.
        if (present) {
          const other = prefixRootFromProof(k, proof, commitmentOf(i + 1))
          expect(other === null || !equalBytes(other, root)).toBe(true)
        }
        // An inclusion proof is bound to its key. (A non-inclusion proof legitimately also proves
        // absence of every key sharing the searched path, so it is not checked here.)
        if (present) {
          const otherKey = prefixRootFromProof(key(i + 7000), proof, commitment)
          expect(otherKey === null || !equalBytes(otherKey, root)).toBe(true)
        }
        const present_ = proof.copath.map((c, j) => [c, j] as const).filter(([c]) => c !== null)
        if (present_.length > 0) {
          const [, j] = present_[flipAt % present_.length]!
          const copath = proof.copath.map((c, m) => (m === j && c ? c.map((b, n) => (n === 0 ? b ^ 1 : b)) : c))
          const bad = { ...proof, copath } as PrefixProof
          const r = prefixRootFromProof(k, bad, commitment)
          expect(r === null || !equalBytes(r, root)).toBe(true)
        }
      }),
      { numRuns: 400 },
    )
  })

  it('refuses non-inclusion claims that cannot be true', () => {
    const tree = build(50)
    const k = key(3)
    const incl = tree.prove(k)
    // Claim "another leaf" where the key itself is.
    const asLeaf: PrefixProof = { kind: 'leaf', depth: incl.depth, copath: incl.copath, leafKey: k, leafCommitment: commitmentOf(3) }
    expect(prefixRootFromProof(k, asLeaf, null)).toBeNull()
    const garbage: unknown[] = [null, {}, { kind: 'x', depth: 0, copath: [] }, { kind: 'empty', depth: 1, copath: [null] }, { kind: 'inclusion', depth: 300, copath: [] }]
    for (const g of garbage) expect(prefixRootFromProof(k, g as PrefixProof, commitmentOf(3))).toBeNull()
    expect(decodePrefixProof(Uint8Array.of(9, 0))).toBeNull()
    expect(decodePrefixProof(Uint8Array.of(1, 3, 0x20))).toBeNull() // padding bit set
    expect(decodePrefixProof(Uint8Array.of(1, 1, 0x80))).toBeNull() // promised hash missing
  })

  it('proof size for 100k keys stays near 32 bytes per level', () => {
    const tree = build(100_000)
    const sizes = Array.from({ length: 50 }, (_, i) => encodePrefixProof(tree.prove(key(200_000 + i))).length)
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length
    expect(mean).toBeLessThan(700)
  })
})
