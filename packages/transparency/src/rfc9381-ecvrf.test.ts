import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './bytes.ts'
import { clearVrfVerified, vrfProofToHash, vrfProve, vrfPublicKey, vrfSecretKey, vrfVerify, vrfVerifyReference, vrfVerifyStats } from './ecvrf.ts'

interface Case {
  sk: string
  pk: string
  alpha: string
  pi: string
  beta: string
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/rfc9381-ecvrf-edwards25519-sha512-tai.json', import.meta.url), 'utf8'),
) as { cases: Case[] }
const hex = (s: string): Uint8Array => fromHex(s)!
const flip = (b: Uint8Array, byte: number, bit = 0): Uint8Array => {
  const c = b.slice()
  c[byte % c.length]! ^= 1 << bit
  return c
}

describe('RFC 9381 Appendix B.3 ECVRF-EDWARDS25519-SHA512-TAI', () => {
  it('has the three cases', () => expect(vectors.cases).toHaveLength(3))

  it.each(vectors.cases.map((c, i) => [i + 1, c] as const))('example %i: prove reproduces pi and beta', (_i, c) => {
    expect(toHex(vrfPublicKey(hex(c.sk)))).toBe(c.pk)
    expect(toHex(vrfProve(hex(c.sk), hex(c.alpha)))).toBe(c.pi)
    expect(toHex(vrfProofToHash(hex(c.pi))!)).toBe(c.beta)
    expect(toHex(vrfSecretKey(hex(c.sk)).hash(hex(c.alpha)))).toBe(c.beta)
  })

  it.each(vectors.cases.map((c, i) => [i + 1, c] as const))('example %i: verify returns beta', (_i, c) => {
    expect(toHex(vrfVerify(hex(c.pk), hex(c.alpha), hex(c.pi))!)).toBe(c.beta)
  })

  it('rejects tampered proofs, inputs and keys (negative control)', () => {
    const [a, b] = vectors.cases as [Case, Case]
    for (let i = 0; i < 80; i++) expect(vrfVerify(hex(a.pk), hex(a.alpha), flip(hex(a.pi), i, i % 8))).toBeNull()
    expect(vrfVerify(hex(a.pk), Uint8Array.of(0), hex(a.pi))).toBeNull()
    expect(vrfVerify(hex(b.pk), hex(b.alpha), hex(a.pi))).toBeNull()
    expect(vrfVerify(hex(b.pk), hex(a.alpha), hex(a.pi))).toBeNull()
    expect(vrfVerify(flip(hex(a.pk), 3), hex(a.alpha), hex(a.pi))).toBeNull()
  })

  it('rejects garbage and small-order keys without throwing', () => {
    const { pk, alpha, pi } = vectors.cases[0]!
    const identity = new Uint8Array(32)
    identity[0] = 1
    const garbage: unknown[] = [undefined, null, 'ab', 7, new Uint8Array(0), new Uint8Array(79), new Uint8Array(81), new Uint8Array(80).fill(0xff)]
    for (const g of garbage) {
      expect(vrfVerify(g as never, hex(alpha), hex(pi))).toBeNull()
      expect(vrfVerify(hex(pk), g as never, hex(pi)) === null || g instanceof Uint8Array).toBe(true)
      expect(vrfVerify(hex(pk), hex(alpha), g as never)).toBeNull()
      expect(vrfProofToHash(g as never)).toBeNull()
    }
    expect(vrfVerify(identity, hex(alpha), hex(pi))).toBeNull()
    // s >= q is refused.
    const highS = hex(pi)
    highS.fill(0xff, 48, 80)
    expect(vrfVerify(hex(pk), hex(alpha), highS)).toBeNull()
  })

  it('property: proofs verify to the same beta and fail after a bit flip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }), fc.nat(639), (sk, alpha, bit) => {
        const key = vrfSecretKey(sk)
        const pi = key.prove(alpha)
        expect(vrfVerify(key.publicKey, alpha, pi)).toEqual(key.hash(alpha))
        expect(vrfVerify(key.publicKey, alpha, flip(pi, Math.floor(bit / 8), bit % 8))).toBeNull()
      }),
      { numRuns: 25 },
    )
  })
})

describe('verified proofs remembered (each checked once per process)', () => {
  it('a proof verified once is not checked again for the same key, input and proof', () => {
    const [a] = vectors.cases as [Case]
    clearVrfVerified()
    const before = vrfVerifyStats()
    expect(toHex(vrfVerify(hex(a.pk), hex(a.alpha), hex(a.pi))!)).toBe(a.beta)
    const beta = vrfVerify(hex(a.pk), hex(a.alpha), hex(a.pi))!
    expect(toHex(beta)).toBe(a.beta)
    const after = vrfVerifyStats()
    expect(after.verified - before.verified).toBe(1)
    expect(after.remembered - before.remembered).toBe(1)
    // The caller gets its own copy: changing it changes nothing remembered.
    beta.fill(0)
    expect(toHex(vrfVerify(hex(a.pk), hex(a.alpha), hex(a.pi))!)).toBe(a.beta)
  })

  it('a remembered proof is refused for any other key, input or proof bytes', () => {
    const [a, b, c] = vectors.cases as [Case, Case, Case]
    clearVrfVerified()
    // All three remembered first, so a memo keyed on less than all of (key, proof, input) would answer below.
    for (const v of [a, b, c]) expect(vrfVerify(hex(v.pk), hex(v.alpha), hex(v.pi))).not.toBeNull()
    expect(vrfVerify(hex(b.pk), hex(a.alpha), hex(a.pi))).toBeNull()
    expect(vrfVerify(hex(a.pk), hex(b.alpha), hex(a.pi))).toBeNull()
    expect(vrfVerify(hex(a.pk), hex(a.alpha), hex(b.pi))).toBeNull()
    expect(vrfVerify(hex(a.pk), Uint8Array.of(...hex(a.alpha), 0), hex(a.pi))).toBeNull()
    for (let i = 0; i < 80; i += 7) expect(vrfVerify(hex(a.pk), hex(a.alpha), flip(hex(a.pi), i, i % 8))).toBeNull()
    // A proof and input swapped between two keys whose hex would run together the same way is still refused.
    expect(vrfVerify(hex(c.pk), hex(b.alpha), hex(b.pi))).toBeNull()
  })

  it('a refused proof is refused again (failures are not remembered as successes)', () => {
    const [a] = vectors.cases as [Case]
    clearVrfVerified()
    const bad = flip(hex(a.pi), 50)
    expect(vrfVerify(hex(a.pk), hex(a.alpha), bad)).toBeNull()
    expect(vrfVerify(hex(a.pk), hex(a.alpha), bad)).toBeNull()
    expect(toHex(vrfVerify(hex(a.pk), hex(a.alpha), hex(a.pi))!)).toBe(a.beta)
  })

  it('the fast verification (tables, Straus, batched inversion) agrees with the RFC as written, valid or tampered', () => {
    for (const c of vectors.cases) expect(toHex(vrfVerifyReference(hex(c.pk), hex(c.alpha), hex(c.pi))!)).toBe(c.beta)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }), fc.nat(80 * 8), fc.boolean(), (sk, alpha, bit, tamper) => {
        clearVrfVerified()
        const key = vrfSecretKey(sk)
        const pi = key.prove(alpha)
        const proof = tamper ? flip(pi, bit >> 3, bit & 7) : pi
        const fast = vrfVerify(key.publicKey, alpha, proof)
        const reference = vrfVerifyReference(key.publicKey, alpha, proof)
        expect(fast === null ? null : toHex(fast)).toBe(reference === null ? null : toHex(reference))
        if (!tamper) expect(fast).not.toBeNull()
      }),
      { numRuns: 60 },
    )
  })
})
