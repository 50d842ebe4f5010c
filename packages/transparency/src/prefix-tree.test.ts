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

describe('prefix tree of a past epoch', () => {
  /** Keys 0..n-1 spread over epochs by `epochOf`, inserted in epoch order as a directory does. */
  function history(epochs: readonly number[]): { tree: PrefixTree; last: number } {
    const tree = new PrefixTree()
    const order = epochs.map((e, i) => [e, i] as const).sort((a, b) => a[0] - b[0])
    for (const [e, i] of order) tree.insert(key(i), commitmentOf(i), e)
    return { tree, last: Math.max(-1, ...epochs) }
  }

  it('property: at every epoch, root and proofs are exactly those of a tree built from that epoch’s leaves', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(12), { maxLength: 120 }), fc.array(fc.nat(200), { minLength: 1, maxLength: 8 }), (epochs, probes) => {
        const { tree, last } = history(epochs)
        for (let e = 0; e <= last + 1; e++) {
          const fresh = new PrefixTree()
          epochs.forEach((ep, i) => {
            if (ep <= e) fresh.insert(key(i), commitmentOf(i), ep)
          })
          const root = fresh.root()
          expect(tree.rootAt(e)).toEqual(root)
          for (const i of probes) {
            const proof = tree.proveAt(key(i), e)
            expect(proof).toEqual(fresh.prove(key(i)))
            const present = i < epochs.length && epochs[i]! <= e
            expect(proof.kind === 'inclusion').toBe(present)
            expect(prefixRootFromProof(key(i), proof, present ? commitmentOf(i) : null)).toEqual(root)
          }
        }
        // The latest epoch's view is the tree itself.
        if (last >= 0) expect(tree.rootAt(last)).toEqual(tree.root())
      }),
      { numRuns: 150 },
    )
  })

  it('a view stays right while newer leaves are added, and across the cache', () => {
    const tree = new PrefixTree()
    for (let i = 0; i < 300; i++) tree.insert(key(i), commitmentOf(i), 0)
    const before = tree.rootAt(0)
    const proofBefore = tree.proveAt(key(7), 0)
    for (let i = 300; i < 600; i++) tree.insert(key(i), commitmentOf(i), 1 + (i % 5))
    expect(tree.rootAt(0)).toEqual(before)
    expect(tree.proveAt(key(7), 0)).toEqual(proofBefore)
    expect(prefixRootFromProof(key(450), tree.proveAt(key(450), 0), null)).toEqual(before)
    expect(tree.rootAt(5)).toEqual(tree.root())
  })

  it('an epoch before the first leaf is the empty tree; bad epochs are refused', () => {
    const tree = new PrefixTree()
    for (let i = 0; i < 10; i++) tree.insert(key(i), commitmentOf(i), 3)
    expect(tree.rootAt(2)).toEqual(ZERO_HASH)
    expect(tree.proveAt(key(1), 2)).toEqual({ kind: 'empty', depth: 0, copath: [] })
    expect(() => tree.rootAt(-1)).toThrow(RangeError)
    expect(() => tree.proveAt(key(1), 1.5)).toThrow(RangeError)
    expect(() => tree.insert(key(99), commitmentOf(99), -1)).toThrow(TypeError)
  })
})
