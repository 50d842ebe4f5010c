import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateDeviceKey, signDetached, verifyDetached } from '../index.ts'
import { nodeVerifyDetached } from './verify-detached-node.ts'

describe('nodeVerifyDetached', () => {
  it('agrees with verifyDetached on valid and tampered signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(63), (msg, i) => {
        const k = generateDeviceKey()
        const sig = signDetached(k.secretKey, msg)
        expect(nodeVerifyDetached(k.publicKey, msg, sig)).toBe(true)
        const bad = sig.slice()
        bad[i]! ^= 1
        expect(nodeVerifyDetached(k.publicKey, msg, bad)).toBe(verifyDetached(k.publicKey, msg, bad))
        expect(nodeVerifyDetached(k.publicKey, msg, bad)).toBe(false)
      }),
      { numRuns: 50 },
    )
  })
  it('returns false on garbage instead of throwing', () => {
    expect(nodeVerifyDetached(new Uint8Array(31), new Uint8Array(1), new Uint8Array(64))).toBe(false)
    expect(nodeVerifyDetached(new Uint8Array(32), new Uint8Array(1), new Uint8Array(63))).toBe(false)
    expect(nodeVerifyDetached(new Uint8Array(32).fill(0xff), new Uint8Array(1), new Uint8Array(64))).toBe(false)
  })
})

describe('nodeVerifyDetached on keys the portable check refuses', () => {
  // Small-order public keys (RFC 8032 without ZIP 215, as @noble checks): OpenSSL alone would
  // take R = identity, S = 0 under the identity key for any message.
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'))
  const SMALL_ORDER = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    // The identity's non-canonical encoding (y = p + 1).
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ]
  it('refuses a small-order key with the trivial signature, as verifyDetached does', () => {
    const trivial = new Uint8Array(64)
    trivial[0] = 1 // R = identity, S = 0
    for (const k of SMALL_ORDER) {
      for (const msg of [new Uint8Array(0), new Uint8Array([1, 2, 3])]) {
        expect(verifyDetached(hex(k), msg, trivial)).toBe(false)
        expect(nodeVerifyDetached(hex(k), msg, trivial)).toBe(false)
      }
    }
  })
})
