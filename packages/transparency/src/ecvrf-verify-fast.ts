// The group arithmetic of ECVRF verification (RFC 9381 §5.3 step 6–7) on public values only, so
// variable-time paths are fine, written for the client's first lookup (two proofs per lookup):
// - U = s·B − c·Y: both products from precomputed tables — the base point's (noble's own, W=8)
//   and the directory key's (W=4, built once per key and process, ≈ 520 additions);
// - V = s·H − c·Γ: one interleaved (Straus) double-scalar multiplication with 4-bit windows, so
//   the 253 doublings are shared and c (128 bits) adds only 32 additions;
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

/** [0, P, 2P, …, 15P]. */
function table(P: Point): Point[] {
  const t: Point[] = [Point.ZERO, P]
  for (let i = 2; i < 16; i++) t.push(i % 2 === 0 ? t[i / 2]!.double() : t[i - 1]!.add(P))
  return t
}

/** a·P + b·Q (a, b < 2^256), variable time: Straus' interleaving with 4-bit windows. */
export function doubleScalarUnsafe(P: Point, a: bigint, Q: Point, b: bigint): Point {
  const tp = table(P)
  const tq = table(Q)
  let top = 64
  while (top > 0 && ((a >> BigInt(4 * (top - 1))) & 15n) === 0n && ((b >> BigInt(4 * (top - 1))) & 15n) === 0n) top--
  let acc = Point.ZERO
  for (let w = top - 1; w >= 0; w--) {
    if (w !== top - 1) acc = acc.double().double().double().double()
    const shift = BigInt(4 * w)
    const da = Number((a >> shift) & 15n)
    const db = Number((b >> shift) & 15n)
    if (da !== 0) acc = acc.add(tp[da]!)
    if (db !== 0) acc = acc.add(tq[db]!)
  }
  return acc
}

/** The encodings of several points with one field inversion. */
export function encodeAll(points: readonly Point[]): Uint8Array[] {
  return normalizeZ(Point, [...points]).map((p) => p.toBytes())
}
