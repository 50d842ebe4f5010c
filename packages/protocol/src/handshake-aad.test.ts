import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toBase64Url, utf8 } from './bytes.ts'
import { decodeHandshakeAad, encodeHandshakeAad } from './handshake-aad.ts'

const root = toBase64Url(new Uint8Array(32).fill(7))

describe('handshake authenticated data (§5.1)', () => {
  it('is RFC 8785 canonical JSON and reads back', () => {
    const bytes = encodeHandshakeAad({ v: 1, directory: { size: 1234, root } })
    expect(new TextDecoder().decode(bytes)).toBe(`{"directory":{"root":"${root}","size":1234},"v":1}`)
    expect(decodeHandshakeAad(bytes)).toEqual({ v: 1, directory: { size: 1234, root } })
  })

  it('property: every checkpoint round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (size, r) => {
        const aad = { v: 1 as const, directory: { size, root: toBase64Url(r) } }
        expect(decodeHandshakeAad(encodeHandshakeAad(aad))).toEqual(aad)
      }),
    )
  })

  const refused: [string, string, string][] = [
    ['an unknown version', `{"directory":{"root":"${root}","size":1},"v":2}`, 'v'],
    ['size 0 (no checkpoint has it)', `{"directory":{"root":"${root}","size":0},"v":1}`, 'directory.size'],
    ['a size that is not an integer', `{"directory":{"root":"${root}","size":1.5},"v":1}`, 'directory.size'],
    ['a size as text', `{"directory":{"root":"${root}","size":"1"},"v":1}`, 'directory.size'],
    ['a short root', `{"directory":{"root":"${root.slice(0, 40)}","size":1},"v":1}`, 'directory.root'],
    ['a padded root', `{"directory":{"root":"${root}=","size":1},"v":1}`, 'directory.root'],
    ['no directory', `{"v":1}`, 'directory'],
    ['keys out of order', `{"v":1,"directory":{"root":"${root}","size":1}}`, 'aad'],
    ['an extra field', `{"directory":{"root":"${root}","size":1},"v":1,"x":0}`, 'aad'],
    ['white space', `{"directory":{"root":"${root}","size":1}, "v":1}`, 'aad'],
    ['not JSON', 'hello', 'aad'],
    ['an array', '[1]', 'aad'],
    ['empty', '', 'aad'],
    ['too long', `{"directory":{"root":"${root}","size":1},"v":1}`.padEnd(600, ' '), 'aad'],
  ]
  it.each(refused)('refuses %s, naming the field', (_what, text, field) => {
    expect(() => decodeHandshakeAad(utf8(text))).toThrow(expect.objectContaining({ code: 'invalid_mls_message', details: { field } }))
  })

  it('refuses bytes that are not UTF-8, and will not encode what it would refuse', () => {
    expect(() => decodeHandshakeAad(Uint8Array.of(0xff, 0xfe))).toThrow(expect.objectContaining({ code: 'invalid_mls_message' }))
    expect(() => encodeHandshakeAad({ v: 1, directory: { size: 0, root } })).toThrow(expect.objectContaining({ code: 'invalid_mls_message' }))
    expect(() => encodeHandshakeAad({ v: 1, directory: { size: 1, root: 'x' } })).toThrow(expect.objectContaining({ code: 'invalid_mls_message' }))
  })
})
