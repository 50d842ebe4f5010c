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
