import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isUserId, normaliseUserName, parseUserId } from './user-id.ts'

const localChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._+-')
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789')
const local = fc.tuple(alnum, fc.array(localChar, { maxLength: 63 })).map(([a, r]) => a + r.join(''))
const label = fc
  .tuple(alnum, fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), { maxLength: 20 }), alnum)
  .map(([a, m, z]) => (m.length === 0 ? a : a + m.join('') + z))
const domain = fc.array(label, { minLength: 2, maxLength: 4 }).map((ls) => ls.join('.'))
const userId = fc.oneof(local, fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`))

describe('user ids', () => {
  it('accept local and local@domain in lower-case ASCII, unchanged', () => {
    fc.assert(
      fc.property(userId, (id) => {
        expect(parseUserId(id)).toBe(id)
        expect(isUserId(id)).toBe(true)
        expect(normaliseUserName(` ${id.toUpperCase()}\t`)).toBe(id)
      }),
    )
    for (const id of ['alice', 'alice@acme.example', 'a.b+tag_x-y@mail.sub.example.org', 'archive.acme', '0', 'x@xn--bcher-kva.example']) {
      expect(parseUserId(id)).toBe(id)
    }
  })

  it('refuse upper case and anything else not canonical, never rewriting it', () => {
    const bad = [
      'Alice',
      'alice@ACME.example',
      ' alice',
      'alice ',
      '',
      '.alice',
      '-alice',
      'al ice',
      'alice@',
      '@acme.example',
      'alice@localhost',
      'alice@acme..example',
      'alice@-acme.example',
      'alice@acme-.example',
      'alice@acme.example.',
      'alice@acme_corp.example',
      'alice@bob@acme.example',
      'alïce',
      'ａlice',
      'a'.repeat(65),
      `alice@${'a'.repeat(64)}.example`,
      `alice@${Array.from({ length: 64 }, () => 'abc').join('.')}`,
      42,
      null,
    ]
    for (const b of bad) {
      expect(isUserId(b)).toBe(false)
      expect(() => parseUserId(b)).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^userId: /) }))
    }
    expect(() => parseUserId('Alice')).toThrow('userId: must be lower case')
  })

  it('bound the whole id at 254 characters', () => {
    const label63 = 'a'.repeat(63)
    const domain = (last: number) => [label63, label63, label63, 'a'.repeat(last)].join('.')
    expect(parseUserId(`a@${domain(60)}`)).toHaveLength(254)
    expect(() => parseUserId(`a@${domain(61)}`)).toThrow('userId: must be at most 254 characters')
  })

  it('normalise a typed name (trim, lower case, NFC) but still refuse what is not an id', () => {
    expect(normaliseUserName('  Alice@ACME.Example ')).toBe('alice@acme.example')
    // KELVIN SIGN lower-cases to ASCII k; a Latin small letter with diaeresis stays non-ASCII.
    expect(normaliseUserName('\u212Aate')).toBe('kate')
    expect(() => normaliseUserName('Zoë')).toThrow(/^userName: /)
    expect(() => normaliseUserName('alice smith')).toThrow(/^userName: /)
  })
})
