// ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 §5, suite string 0x03) on @noble/curves' edwards25519
// group operations. No primitive is written here: this is the RFC's composition of SHA-512,
// point encoding/decoding and scalar multiplication, with try-and-increment encode_to_curve.
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512Digest } from '@candor/crypto'
import { concatBytes, equalBytes, isBytes } from './bytes.ts'
import { baseMinusKey, doubleScalarUnsafe, encodeAll, negatedKeyTable, timesCofactor } from './ecvrf-verify-fast.ts'

type Point = ReturnType<typeof ed25519.Point.fromBytes>

const Point = ed25519.Point
const Fn = Point.Fn
const SUITE = 0x03
export const VRF_PROOF_SIZE = 80
export const VRF_OUTPUT_SIZE = 64
const C_LEN = 16

function leToNumber(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

function numberToLe(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

/** RFC 8032 §5.1.3 decoding, strict (canonical encodings only); null if invalid. */
function decodePoint(bytes: Uint8Array): Point | null {
  try {
    return Point.fromBytes(bytes, false)
  } catch {
    return null
  }
}

/** RFC 9381 §5.4.1.1: try-and-increment, salted with the public key. */
function encodeToCurve(publicKey: Uint8Array, alpha: Uint8Array): Point {
  // suite ‖ 0x01 ‖ PK ‖ alpha ‖ ctr ‖ 0x00, the counter byte rewritten for each attempt.
  const message = concatBytes(Uint8Array.of(SUITE, 0x01), publicKey, alpha, Uint8Array.of(0, 0x00))
  for (let ctr = 0; ctr < 256; ctr++) {
    message[message.length - 2] = ctr
    const candidate = decodePoint(sha512Digest(message).subarray(0, 32))
    if (candidate !== null) return timesCofactor(candidate)
  }
  // Each attempt succeeds with probability about 1/2; 256 failures do not happen.
  throw new Error('ECVRF encode_to_curve failed')
}

/** RFC 9381 §5.4.3, truncated to cLen = 16 bytes. */
function challenge(points: readonly Point[]): bigint {
  return challengeOf(points.map((p) => p.toBytes()))
}

function gammaToHash(gamma: Point): Uint8Array {
  return hashOfGamma8(timesCofactor(gamma).toBytes())
}

/** RFC 9381 §5.2 step 8 from the encoding of cofactor·Γ. */
function hashOfGamma8(gamma8: Uint8Array): Uint8Array {
  return sha512Digest(concatBytes(Uint8Array.of(SUITE, 0x03), gamma8, Uint8Array.of(0x00)))
}

/** A VRF key expanded once (RFC 8032 §5.1.5), for a server that proves many inputs. */
export interface VrfSecretKey {
  readonly publicKey: Uint8Array
  prove(alpha: Uint8Array): Uint8Array
  /** beta without building the proof: one scalar multiplication instead of three. */
  hash(alpha: Uint8Array): Uint8Array
}

/** x·H for H of order L (null: not handled, use the portable path); built from the clamped scalar and Y = x·B. */
export interface FixedKeyMultiplier {
  multiply(H: Point): Point | null
}
export type FixedKeyMultiplierFactory = (head: Uint8Array, Y: Point) => FixedKeyMultiplier | null

/**
 * `fast`: an optional faster x·H for a server (e.g. `x25519Multiplier` from
 * '@candor/transparency/node', on OpenSSL); outputs are the same bytes either way.
 */
export function vrfSecretKey(secretKey: Uint8Array, fast?: FixedKeyMultiplierFactory): VrfSecretKey {
  if (!isBytes(secretKey, 32)) throw new TypeError('ECVRF secret key must be 32 bytes')
  const { head, prefix, scalar: x, pointBytes } = ed25519.utils.getExtendedPublicKey(secretKey)
  const publicKey = pointBytes
  const Y = Point.fromBytes(publicKey)
  const multiplier = fast?.(head, Y) ?? null
  // x·H: the fast multiplier when given and it applies, else noble's constant-time path.
  const timesX = (H: Point): Point => multiplier?.multiply(H) ?? H.multiply(x)
  return {
    publicKey: publicKey.slice(),
    prove(alpha) {
      if (!isBytes(alpha)) throw new TypeError('alpha must be bytes')
      const H = encodeToCurve(publicKey, alpha)
      const gamma = timesX(H)
      // RFC 9381 §5.4.2.2: the RFC 8032 nonce, k = SHA-512(prefix || H) mod q.
      const k = Fn.create(leToNumber(sha512Digest(concatBytes(prefix, H.toBytes()))))
      const c = challenge([Y, H, gamma, Point.BASE.multiply(k), H.multiply(k)])
      const s = Fn.add(k, Fn.mul(c, x))
      return concatBytes(gamma.toBytes(), numberToLe(c, C_LEN), numberToLe(s, 32))
    },
    hash(alpha) {
      if (!isBytes(alpha)) throw new TypeError('alpha must be bytes')
      return gammaToHash(timesX(encodeToCurve(publicKey, alpha)))
    },
  }
}

export function vrfPublicKey(secretKey: Uint8Array): Uint8Array {
  return vrfSecretKey(secretKey).publicKey
}

/** pi (80 bytes) for input alpha. Throws only on a malformed secret key. */
export function vrfProve(secretKey: Uint8Array, alpha: Uint8Array): Uint8Array {
  return vrfSecretKey(secretKey).prove(alpha)
}

interface DecodedProof {
  gamma: Point
  c: bigint
  s: bigint
}

function decodeProof(pi: unknown): DecodedProof | null {
  if (!isBytes(pi, VRF_PROOF_SIZE)) return null
  const gamma = decodePoint(pi.subarray(0, 32))
  const c = leToNumber(pi.subarray(32, 48))
  const s = leToNumber(pi.subarray(48, 80))
  if (gamma === null || s >= Fn.ORDER) return null
  return { gamma, c, s }
}

/** beta (64 bytes) from a proof, without verifying it; null if pi does not decode. */
export function vrfProofToHash(pi: Uint8Array): Uint8Array | null {
  if (!isBytes(pi, VRF_PROOF_SIZE) || leToNumber(pi.subarray(48, 80)) >= Fn.ORDER) return null
  const gamma = decodedGamma(pi.subarray(0, 32))
  if (gamma === null) return null
  gamma.beta ??= gammaToHash(gamma.point)
  return gamma.beta.slice()
}

/**
 * Γ decoded (strictly) and, once computed, the beta it gives, by Γ's 32 bytes. A compact lookup's
 * decoder takes beta from each proof (vrfProofToHash) just before the verification decodes the same
 * Γ again: remembered, that is one square root, one inversion and one hash fewer per proof. Both
 * are functions of the 32 bytes alone, so remembering them changes no answer. Bounded; the oldest
 * goes first.
 */
interface DecodedGamma {
  readonly point: Point
  beta: Uint8Array | null
}
const gammas = new Map<string, DecodedGamma>()
const GAMMAS_MAX = 64

function decodedGamma(bytes: Uint8Array): DecodedGamma | null {
  const key = hex(bytes)
  const known = gammas.get(key)
  if (known !== undefined) return known
  const point = decodePoint(bytes)
  if (point === null) return null
  const gamma: DecodedGamma = { point, beta: null }
  if (gammas.size >= GAMMAS_MAX) gammas.delete(gammas.keys().next().value!)
  gammas.set(key, gamma)
  return gamma
}

/**
 * Proofs that verified, by their exact inputs: publicKey (32 bytes) ‖ pi (80 bytes) ‖ alpha, as
 * hex → beta. A VRF proof is a function of (key, alpha) alone, so every lookup of an unchanged
 * entry — again after a cache expired, as of another checkpoint, by another device of the same
 * process — carries the same proofs; each is checked once, not once per lookup (about 5 ms of
 * curve arithmetic each on a slow core). Any other byte of key, proof or input is another entry
 * and is verified in full. Only successes are kept; least recently used first, bounded.
 */
const verified = new Map<string, Uint8Array>()
export const VRF_VERIFIED_MAX = 8192

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!
  return s
}

const stats = { verified: 0, remembered: 0 }

/** Forgets every verified proof and decoded Γ (tests that count verifications, benches of first lookups). */
export function clearVrfVerified(): void {
  verified.clear()
  gammas.clear()
}

/** Since the process started: proofs checked in full, and proofs found among those already verified. */
export function vrfVerifyStats(): { verified: number; remembered: number } {
  return { ...stats }
}

/** RFC 9381 §5.3 with key validation (§5.4.5): beta if pi is valid for (publicKey, alpha), else null. */
export function vrfVerify(publicKey: Uint8Array, alpha: Uint8Array, pi: Uint8Array): Uint8Array | null {
  if (!isBytes(publicKey, 32) || !isBytes(alpha) || !isBytes(pi, VRF_PROOF_SIZE)) return null
  const key = hex(publicKey) + hex(pi) + hex(alpha)
  const hit = verified.get(key)
  if (hit) {
    stats.remembered++
    verified.delete(key)
    verified.set(key, hit)
    return hit.slice()
  }
  stats.verified++
  const beta = vrfVerifyUncached(publicKey, alpha, pi)
  if (beta !== null) {
    if (verified.size >= VRF_VERIFIED_MAX) verified.delete(verified.keys().next().value!)
    verified.set(key, beta.slice())
  }
  return beta
}

function vrfVerifyUncached(publicKey: Uint8Array, alpha: Uint8Array, pi: Uint8Array): Uint8Array | null {
  const keyHex = hex(publicKey)
  const negY = validKeys.get(keyHex) ?? validatedKey(keyHex, publicKey)
  if (negY === null) return null
  const s = leToNumber(pi.subarray(48, 80))
  if (s >= Fn.ORDER) return null
  const gamma = decodedGamma(pi.subarray(0, 32))
  if (gamma === null) return null
  const c = leToNumber(pi.subarray(32, 48))
  const H = encodeToCurve(publicKey, alpha)
  // Public values only: variable-time products (ecvrf-verify-fast.ts), one batched inversion.
  const U = baseMinusKey(s, c, negY)
  const V = doubleScalarUnsafe(H, s, gamma.point.negate(), c)
  // cofactor·Γ is encoded here only when no beta was taken from this Γ before.
  const known = gamma.beta
  const [hBytes, uBytes, vBytes, gamma8Bytes] = encodeAll(known === null ? [H, U, V, timesCofactor(gamma.point)] : [H, U, V])
  // Y and Γ were decoded strictly, so their encodings are the bytes given.
  const cPrime = challengeOf([publicKey, hBytes!, pi.subarray(0, 32), uBytes!, vBytes!])
  if (!equalBytes(numberToLe(c, C_LEN), numberToLe(cPrime, C_LEN))) return null
  gamma.beta = known ?? hashOfGamma8(gamma8Bytes!)
  return gamma.beta.slice()
}

/** Keys that passed validation (§5.4.5), as −Y with its table; null caches nothing. */
const validKeys = new Map<string, ReturnType<typeof negatedKeyTable>>()

function validatedKey(keyHex: string, publicKey: Uint8Array): ReturnType<typeof negatedKeyTable> | null {
  const Y = decodePoint(publicKey)
  if (Y === null || Y.isSmallOrder()) return null
  const negY = negatedKeyTable(keyHex, Y)
  if (validKeys.size >= 8) validKeys.delete(validKeys.keys().next().value!)
  validKeys.set(keyHex, negY)
  return negY
}

/** RFC 9381 §5.4.3 over point encodings already made. */
function challengeOf(encodings: readonly Uint8Array[]): bigint {
  return leToNumber(sha512Digest(concatBytes(Uint8Array.of(SUITE, 0x02), ...encodings, Uint8Array.of(0x00))).subarray(0, C_LEN))
}

/** The verification before this file's fast path (RFC 9381 §5.3 as written), kept for the known-answer tests' cross-check and the bench. */
export function vrfVerifyReference(publicKey: Uint8Array, alpha: Uint8Array, pi: Uint8Array): Uint8Array | null {
  if (!isBytes(publicKey, 32) || !isBytes(alpha) || !isBytes(pi, VRF_PROOF_SIZE)) return null
  const Y = decodePoint(publicKey)
  if (Y === null || Y.isSmallOrder()) return null
  const proof = decodeProof(pi)
  if (proof === null) return null
  const { gamma, c, s } = proof
  const H = encodeToCurve(publicKey, alpha)
  const U = Point.BASE.multiplyUnsafe(s).subtract(Y.multiplyUnsafe(c))
  const V = H.multiplyUnsafe(s).subtract(gamma.multiplyUnsafe(c))
  const cPrime = challenge([Y, H, gamma, U, V])
  return equalBytes(numberToLe(c, C_LEN), numberToLe(cPrime, C_LEN)) ? hashOfGamma8(gamma.clearCofactor().toBytes()) : null
}
