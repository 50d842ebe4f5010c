import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { hmacSha256, sha256Digest, sha512Digest } from '../index.ts'
import { hashFunctionsInUse, nobleHashFunctions, useHashFunctions } from '../hash-functions.ts'
import { nodeCryptoProvider } from './node-crypto-provider.ts'
import { nodeHashFunctions, useNodeHashes } from './node-hashes.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

afterEach(() => useHashFunctions(null))

describe('node:crypto hashes for the key directory', () => {
  it('give the bytes @noble/hashes gives, for any message and key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), (data, key) => {
        expect(hex(nodeHashFunctions.sha256(data))).toBe(hex(nobleHashFunctions.sha256(data)))
        expect(hex(nodeHashFunctions.sha512(data))).toBe(hex(nobleHashFunctions.sha512(data)))
        expect(hex(nodeHashFunctions.hmacSha256(key, data))).toBe(hex(nobleHashFunctions.hmacSha256(key, data)))
      }),
      { numRuns: 200 },
    )
  })

  it('known answers (FIPS 180-2 "abc", RFC 4231 case 2) on both', () => {
    const abc = new TextEncoder().encode('abc')
    const jefe = new TextEncoder().encode('Jefe')
    const what = new TextEncoder().encode('what do ya want for nothing?')
    for (const f of [nodeHashFunctions, nobleHashFunctions]) {
      expect(hex(f.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
      expect(hex(f.sha512(abc)).slice(0, 32)).toBe('ddaf35a193617abacc417349ae204131')
      expect(hex(f.hmacSha256(jefe, what))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
    }
  })

  it('each result is a plain Uint8Array owning its bytes (no Buffer pool view)', () => {
    const a = nodeHashFunctions.sha256(new Uint8Array(65))
    const b = nodeHashFunctions.sha512(new Uint8Array(65))
    const m = nodeHashFunctions.hmacSha256(new Uint8Array(16), new Uint8Array(65))
    for (const [d, n] of [[a, 32], [b, 64], [m, 32]] as const) {
      expect(Buffer.isBuffer(d)).toBe(false)
      expect(d.byteOffset).toBe(0)
      expect(d.buffer.byteLength).toBe(n)
    }
  })

  it('useNodeHashes() switches sha256Digest / sha512Digest / hmacSha256; null puts @noble back', () => {
    expect(hashFunctionsInUse()).toBe(nobleHashFunctions)
    useNodeHashes()
    expect(hashFunctionsInUse()).toBe(nodeHashFunctions)
    const data = new TextEncoder().encode('candor')
    expect(hex(sha256Digest(data))).toBe(hex(nobleHashFunctions.sha256(data)))
    expect(hex(sha512Digest(data))).toBe(hex(nobleHashFunctions.sha512(data)))
    expect(hex(hmacSha256(data, data))).toBe(hex(nobleHashFunctions.hmacSha256(data, data)))
    useHashFunctions(null)
    expect(hashFunctionsInUse()).toBe(nobleHashFunctions)
  })

  it('nodeCryptoProvider() installs them, as it installs the Ed25519 check', () => {
    nodeCryptoProvider()
    expect(hashFunctionsInUse()).toBe(nodeHashFunctions)
  })
})
