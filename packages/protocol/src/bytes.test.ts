import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromBase64Url, toBase64Url } from './bytes.ts'

describe('base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(fromBase64Url(toBase64Url(b))).toEqual(b)
      }),
    )
  })
  it('refuses padding, standard-alphabet characters and non-canonical trailing bits', () => {
    expect(fromBase64Url('AA==')).toBeNull()
    expect(fromBase64Url('a+b/')).toBeNull()
    expect(fromBase64Url('AB')).toBeNull() // canonical form of [0] is 'AA'
    expect(fromBase64Url('A')).toBeNull()
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]))
  })
})
