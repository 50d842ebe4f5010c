import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toBase64Url } from './bytes.ts'
import { base64UrlBytes, parseBase64Url, parseChallenge, parseFixedBytes, parsePublicKey, parseSignature } from './binary-fields.ts'

describe('binary fields', () => {
  it('accept canonical base64url and decode it back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(base64UrlBytes(parseBase64Url(toBase64Url(b), 'blob', 200))).toEqual(b)
      }),
    )
  })

  it('refuse padding, the standard alphabet, stray bits and oversize values, naming the field', () => {
    for (const bad of ['AA==', 'a+b/', 'AB', 'A', ' AA', 'AA\n', 42]) {
      expect(() => parseBase64Url(bad, 'commit')).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^commit: /) }))
    }
    expect(() => parseBase64Url(toBase64Url(new Uint8Array(11)), 'welcome', 10)).toThrow('welcome: must be at most 10 bytes')
  })

  it('take keys and signatures only at their exact lengths', () => {
    const key = toBase64Url(new Uint8Array(32).fill(7))
    const sig = toBase64Url(new Uint8Array(64).fill(9))
    expect(parsePublicKey(key)).toBe(key)
    expect(parseSignature(sig)).toBe(sig)
    expect(() => parsePublicKey(toBase64Url(new Uint8Array(31)))).toThrow('publicKey: must be an Ed25519 public key of 32 bytes')
    expect(() => parseSignature(key)).toThrow(/^signature: /)
    expect(() => parsePublicKey(key.slice(0, 42) + (key.at(-1) === 'c' ? 'd' : 'c'))).toThrow(/^publicKey: must be canonical/)
    expect(() => parseFixedBytes(toBase64Url(new Uint8Array(33)), 'hash', 32)).toThrow(/^hash: /)
  })

  it('take a challenge as a key id and two canonical base64url parts', () => {
    const c = `q3Jb9xZk.${toBase64Url(new TextEncoder().encode('dev.123.nonce'))}.${toBase64Url(new Uint8Array(32))}`
    expect(parseChallenge(c)).toBe(c)
    expect(parseChallenge(c.replace('q3Jb9xZk', 'legacy'))).toBe(c.replace('q3Jb9xZk', 'legacy'))
    const [kid, body, mac] = c.split('.')
    for (const bad of ['', 'abc', 'a.b.c', `${body}.${mac}`, `${c}=`, `.${c}`, `${kid}.${body}.AB`, `${'k'.repeat(33)}.${body}.${mac}`, `k+.${body}.${mac}`, `${c}.${mac}`, 'x'.repeat(600)]) {
      expect(() => parseChallenge(bad)).toThrow(/^challenge: /)
    }
  })
})
