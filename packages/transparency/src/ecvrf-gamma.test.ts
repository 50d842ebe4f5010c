// Γ is decoded once for the compact decoder's vrfProofToHash and the verification after it
// (ecvrf.ts, `decodedGamma`), and the verifier's group arithmetic is exact for any Γ the RFC
// accepts — including one carrying a small-order component, which a malicious prover can make.
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { concatBytes, toHex } from './bytes.ts'
import { clearVrfVerified, vrfProofToHash, vrfSecretKey, vrfVerify, vrfVerifyReference } from './ecvrf.ts'

const Point = ed25519.Point
const L = Point.Fn.ORDER
const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
const hexOrNull = (b: Uint8Array | null): string | null => (b === null ? null : toHex(b))
const flip = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice()
  c[bit >> 3]! ^= 1 << (bit & 7)
  return c
}

describe('a Γ decoded for vrfProofToHash, then verified', () => {
  it('gives the answers of a verifier that never saw it, valid or tampered', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 24 }), fc.nat(80 * 8 - 1), fc.boolean(), (sk, alpha, bit, tamper) => {
        const key = vrfSecretKey(sk)
        const pi = key.prove(alpha)
        const proof = tamper ? flip(pi, bit) : pi
        clearVrfVerified()
        const alone = hexOrNull(vrfVerify(key.publicKey, alpha, proof))
        const hashAlone = hexOrNull(vrfProofToHash(proof))
        clearVrfVerified()
        const hashFirst = hexOrNull(vrfProofToHash(proof))
        const thenVerified = hexOrNull(vrfVerify(key.publicKey, alpha, proof))
        expect(hashFirst).toBe(hashAlone)
        expect(thenVerified).toBe(alone)
        expect(thenVerified).toBe(hexOrNull(vrfVerifyReference(key.publicKey, alpha, proof)))
        // The genuine proof's Γ remembered first does not help a tampered one through.
        clearVrfVerified()
        vrfProofToHash(pi)
        expect(hexOrNull(vrfVerify(key.publicKey, alpha, proof))).toBe(alone)
        if (!tamper) expect(alone).toBe(toHex(key.hash(alpha)))
      }),
      { numRuns: 40 },
    )
  })

  it('a remembered Γ answers for its exact 32 bytes only', () => {
    const key = vrfSecretKey(new Uint8Array(32).fill(9))
    const alpha = Uint8Array.of(1, 2, 3)
    const pi = key.prove(alpha)
    for (let bit = 0; bit < 256; bit++) {
      const other = flip(pi, bit)
      clearVrfVerified()
      const fresh = hexOrNull(vrfProofToHash(other))
      clearVrfVerified()
      expect(vrfProofToHash(pi)).not.toBeNull()
      expect(hexOrNull(vrfProofToHash(other))).toBe(fresh)
      expect(vrfVerify(key.publicKey, alpha, other)).toBeNull()
    }
  })
})

/** RFC 9381 §5.4.1.1 encode_to_curve, written out here from noble and SHA-512 (the test's own). */
function encodeToCurve(pk: Uint8Array, alpha: Uint8Array) {
  for (let ctr = 0; ctr < 256; ctr++) {
    const h = sha512(concatBytes(Uint8Array.of(3, 1), pk, alpha, Uint8Array.of(ctr, 0)))
    try {
      return Point.fromBytes(h.subarray(0, 32)).clearCofactor()
    } catch {
      continue
    }
  }
  throw new Error('unreachable')
}

const le = (n: bigint, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
const fromLe = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)

/**
 * A proof with Γ' = x·H + t·T8 that RFC 9381 verification accepts: V = s·H − c·Γ' = k·H − c·t·T8
 * depends on c mod 8, so the prover guesses it and retries until the challenge agrees.
 */
function torsionedProof(sk: Uint8Array, alpha: Uint8Array, t: bigint): Uint8Array {
  const { scalar: x, pointBytes: pk } = ed25519.utils.getExtendedPublicKey(sk)
  const H = encodeToCurve(pk, alpha)
  const gamma = H.multiply(x).add(T8.multiplyUnsafe(t))
  for (let k = 1n; ; k++) {
    for (let j = 0n; j < 8n; j++) {
      const V = H.multiply(k).subtract(T8.multiplyUnsafe((j * t) % 8n))
      const digest = sha512(concatBytes(Uint8Array.of(3, 2), pk, H.toBytes(), gamma.toBytes(), Point.BASE.multiply(k).toBytes(), V.toBytes(), Uint8Array.of(0)))
      const c = fromLe(digest.subarray(0, 16))
      if (c % 8n !== j) continue
      return concatBytes(gamma.toBytes(), le(c, 16), le((k + c * x) % L, 32))
    }
  }
}

describe('a proof whose Γ carries torsion (valid under RFC 9381 §5.3)', () => {
  it('is accepted by the fast verifier as by the RFC as written, with the honest beta; tampered, refused by both', () => {
    for (const t of [1n, 3n, 4n]) {
      const sk = new Uint8Array(32).fill(Number(t) + 20)
      const alpha = Uint8Array.of(7, Number(t))
      const key = vrfSecretKey(sk)
      const pi = torsionedProof(sk, alpha, t)
      expect(toHex(pi.subarray(0, 32))).not.toBe(toHex(key.prove(alpha).subarray(0, 32)))
      clearVrfVerified()
      expect(hexOrNull(vrfVerifyReference(key.publicKey, alpha, pi))).toBe(toHex(key.hash(alpha)))
      expect(hexOrNull(vrfVerify(key.publicKey, alpha, pi))).toBe(toHex(key.hash(alpha)))
      for (const bit of [256, 300, 383, 384, 500, 630]) {
        clearVrfVerified()
        expect(vrfVerify(key.publicKey, alpha, flip(pi, bit))).toBeNull()
        expect(vrfVerifyReference(key.publicKey, alpha, flip(pi, bit))).toBeNull()
      }
    }
  })
})
