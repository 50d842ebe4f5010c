// The group arithmetic of ECVRF verification (RFC 9381 §5.3 step 6–7) on public values only, so
// variable-time paths are fine, written for the client's first lookup (two proofs per lookup):
// - U = s·B − c·Y: both products from precomputed tables — the base point's (noble's own, W=8)
//   and the directory key's (W=4, built once per key and process, ≈ 520 additions);
// - V = s·H − c·Γ: one interleaved (Straus) double-scalar multiplication over width-5 NAFs
//   (signed odd digits, at least 5 bits apart: a table of 8 odd multiples per point, about 42
//   additions for s and 21 for c where 4-bit windows took 59 and 30), so the 253 doublings are
//   shared;
// - cofactor·P as three doublings (noble's clearCofactor runs its generic ladder: four doublings
//   and an addition);
// - one batched inversion for the encodings of H, U, V and cofactor·Γ (the challenge and beta).
// Only @noble/curves' public point operations are used: it runs in browsers as in Node.
import { ed25519 } from '@noble/curves/ed25519.js'
import { normalizeZ } from '@noble/curves/abstract/curve.js'

type Point = ReturnType<typeof ed25519.Point.fromBytes>
const Point = ed25519.Point

const KEY_WINDOW = 4
const MAX_KEYS = 8
/** −Y with a precomputed table, by the key's hex encoding; a handful of directory keys per process. */
const negatedKeys = new Map<string, Point>()

/** −Y for the (already validated) key Y, its multiplication table built on first use. */
export function negatedKeyTable(hexKey: string, Y: Point): Point {
  let negY = negatedKeys.get(hexKey)
  if (negY === undefined) {
    negY = Y.negate()
    negY.precompute(KEY_WINDOW, false)
    if (negatedKeys.size >= MAX_KEYS) negatedKeys.delete(negatedKeys.keys().next().value!)
    negatedKeys.set(hexKey, negY)
  }
  return negY
}

/** s·B − c·Y, with −Y from `negatedKeyTable`. */
export function baseMinusKey(s: bigint, c: bigint, negY: Point): Point {
  return c === 0n ? Point.BASE.multiplyUnsafe(s) : negY.multiplyUnsafe(c).add(Point.BASE.multiplyUnsafe(s))
}

/** 8·P: ed25519's cofactor is 2³. */
export function timesCofactor(P: Point): Point {
  return P.double().double().double()
}

const NAF_WIDTH = 5

/**
 * The width-w NAF of n ≥ 0, least significant digit first: n = Σ dᵢ·2ⁱ, each dᵢ zero or odd with
 * |dᵢ| < 2^(w−1), and any two non-zero digits at least w positions apart. Integer recoding of a
 * public scalar, no curve arithmetic; at most one digit more than n has bits.
 */
export function wnaf(n: bigint, w: number): Int8Array {
  if (n < 0n) throw new RangeError('negative scalar')
  const binary = n.toString(2)
  const length = binary.length
  const bits = new Uint8Array(length + w + 1)
  for (let i = 0; i < length; i++) bits[i] = binary.charCodeAt(length - 1 - i) - 48
  const digits = new Int8Array(length + 1)
  const full = 1 << w
  for (let i = 0; i <= length; ) {
    if (bits[i] === 0) {
      i++
      continue
    }
    let v = 0
    for (let j = 0; j < w; j++) {
      v |= bits[i + j]! << j
      bits[i + j] = 0
    }
    if (v >= full >> 1) {
      // v − 2^w here, so 2^w is carried into bit i + w.
      v -= full
      let k = i + w
      while (bits[k] === 1) bits[k++] = 0
      bits[k] = 1
    }
    digits[i] = v
    i += w
  }
  return digits
}

/** [P, 3P, 5P, …, (2^(w−1) − 1)P]. */
function oddMultiples(P: Point, w: number): Point[] {
  const twice = P.double()
  const t = [P]
  for (let i = 1; i < 1 << (w - 2); i++) t.push(t[i - 1]!.add(twice))
  return t
}

/** d·P from the odd multiples (d odd, non-zero). */
function digitPoint(t: readonly Point[], d: number): Point {
  return d > 0 ? t[(d - 1) >> 1]! : t[(-d - 1) >> 1]!.negate()
}

/** a·P + b·Q (a, b ≥ 0), variable time: Straus' interleaving over width-5 NAFs, doublings shared. */
export function doubleScalarUnsafe(P: Point, a: bigint, Q: Point, b: bigint): Point {
  const da = wnaf(a, NAF_WIDTH)
  const db = wnaf(b, NAF_WIDTH)
  const tp = oddMultiples(P, NAF_WIDTH)
  const tq = oddMultiples(Q, NAF_WIDTH)
  let acc: Point | null = null
  for (let i = Math.max(da.length, db.length) - 1; i >= 0; i--) {
    if (acc !== null) acc = acc.double()
    const x = da[i] ?? 0
    const y = db[i] ?? 0
    if (x !== 0) acc = acc === null ? digitPoint(tp, x) : acc.add(digitPoint(tp, x))
    if (y !== 0) acc = acc === null ? digitPoint(tq, y) : acc.add(digitPoint(tq, y))
  }
  return acc ?? Point.ZERO
}

/** The encodings of several points with one field inversion. */
export function encodeAll(points: readonly Point[]): Uint8Array[] {
  return normalizeZ(Point, [...points]).map((p) => p.toBytes())
}
