import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { x25519Multiplier } from './ecvrf-x25519.ts'

const Point = ed25519.Point

describe('X25519 fixed-key multiplication for the VRF server', () => {
  it('gives exactly noble’s x·H, sign included, for random keys and points', () => {
    for (let k = 0; k < 8; k++) {
      const { head, scalar, point } = ed25519.utils.getExtendedPublicKey(randomBytes(32))
      const m = x25519Multiplier(head, point)
      expect(m).not.toBeNull()
      for (let i = 0; i < 16; i++) {
        const H = Point.BASE.multiply(BigInt('0x' + randomBytes(31).toString('hex')) + 1n)
        const got = m!.multiply(H)
        expect(got).not.toBeNull()
        expect(got!.toHex()).toBe(H.multiply(scalar).toHex())
        // The other sign would be a wrong answer, not a fallback.
        expect(got!.negate().toHex()).not.toBe(H.multiply(scalar).toHex())
      }
    }
  })

  it('declines (null, so the caller uses noble) for the identity and small-order points', () => {
    const { head, point } = ed25519.utils.getExtendedPublicKey(new Uint8Array(32).fill(3))
    const m = x25519Multiplier(head, point)!
    expect(m.multiply(Point.ZERO)).toBeNull()
    // (0, -1), the point of order 2.
    const order2 = Point.fromBytes(Uint8Array.from([0xec, ...new Array(30).fill(0xff), 0x7f]))
    expect(m.multiply(order2)).toBeNull()
  })
})
