import { ed25519 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { doubleScalarUnsafe, timesCofactor, wnaf } from './ecvrf-verify-fast.ts'

const Point = ed25519.Point
const L = Point.Fn.ORDER
// A point of order 8 (the torsion a proof's Γ may carry).
const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
const scalar = fc.bigInt({ min: 0n, max: L - 1n })
const edges = [0n, 1n, 2n, 15n, 16n, 17n, 31n, (1n << 128n) - 1n, 1n << 128n, (1n << 252n) - 1n, L - 1n, L - 2n]
const point = fc.tuple(fc.bigInt({ min: 1n, max: L - 1n }), fc.nat(7)).map(([k, t]) => Point.BASE.multiply(k).add(T8.multiplyUnsafe(BigInt(t))))

describe('wnaf (width-w NAF recoding of a public scalar)', () => {
  const check = (n: bigint, w: number) => {
    const d = wnaf(n, w)
    let sum = 0n
    let last = -Infinity
    d.forEach((x, i) => {
      if (x === 0) return
      expect(Math.abs(x) % 2).toBe(1)
      expect(Math.abs(x)).toBeLessThan(1 << (w - 1))
      expect(i - last).toBeGreaterThanOrEqual(w)
      last = i
      sum += BigInt(x) << BigInt(i)
    })
    expect(sum).toBe(n)
    expect(d.length).toBeLessThanOrEqual(n.toString(2).length + 1)
  }

  it('sums back to the scalar, odd digits below 2^(w−1), w apart', () => {
    for (const n of [...edges, (1n << 256n) - 1n]) for (const w of [2, 4, 5, 6]) check(n, w)
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.integer({ min: 2, max: 7 }), (n, w) => check(n, w)), { numRuns: 500 })
  })

  it('refuses a negative scalar', () => {
    expect(() => wnaf(-1n, 5)).toThrow(RangeError)
  })
})

describe('doubleScalarUnsafe (Straus over width-5 NAFs)', () => {
  const reference = (P: typeof Point.BASE, a: bigint, Q: typeof Point.BASE, b: bigint) => P.multiplyUnsafe(a).add(Q.multiplyUnsafe(b))

  it('is a·P + b·Q as noble computes it, torsion included', () => {
    fc.assert(
      fc.property(point, fc.oneof(scalar, fc.constantFrom(...edges)), point, fc.oneof(scalar, fc.constantFrom(...edges)), (P, a, Q, b) => {
        expect(doubleScalarUnsafe(P, a, Q, b).equals(reference(P, a, Q, b))).toBe(true)
      }),
      { numRuns: 150 },
    )
  })

  it('with the identity, a small-order point, or P = ±Q', () => {
    const P = Point.BASE.multiply(123456789n)
    for (const [X, Y] of [[Point.ZERO, P], [P, Point.ZERO], [T8, P], [P, T8], [P, P], [P, P.negate()], [T8, T8]] as const) {
      for (const a of edges) for (const b of [0n, 1n, 17n, (1n << 128n) - 1n]) {
        expect(doubleScalarUnsafe(X, a, Y, b).equals(reference(X, a, Y, b))).toBe(true)
      }
    }
  })
})

describe('timesCofactor', () => {
  it('is clearCofactor (kills torsion, same encoding)', () => {
    fc.assert(
      fc.property(point, (P) => {
        expect(timesCofactor(P).toHex()).toBe(P.clearCofactor().toHex())
      }),
      { numRuns: 50 },
    )
    expect(timesCofactor(T8).is0()).toBe(true)
  })
})
