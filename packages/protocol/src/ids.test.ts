import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toBase64Url } from './bytes.ts'
import { isDeviceId, isGroupId, isMessageId, newMessageId, opaqueIdBytes, parseDeviceId, parseGroupId, parseMessageId, parseOpaqueId } from './ids.ts'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The 15 other spellings of a 16-byte id: the last character's 6 bits are 2 of the id's and 4
 * unused ones, so every character with the same top 2 bits decodes to the same 16 bytes.
 */
function otherSpellings(id: string): string[] {
  const last = B64URL.indexOf(id.at(-1)!)
  return [...B64URL].filter((c, i) => i >> 4 === last >> 4 && i !== last).map((c) => id.slice(0, 21) + c)
}

describe('opaque ids (device, group, message)', () => {
  const parsers = [parseDeviceId, parseGroupId, parseMessageId, parseOpaqueId]
  const guards = [isDeviceId, isGroupId, isMessageId]

  it('accept the canonical base64url of any 16 bytes and give back its bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const id = toBase64Url(b)
        for (const p of parsers) expect(p(id)).toBe(id)
        for (const g of guards) expect(g(id)).toBe(true)
        expect(opaqueIdBytes(id, 'id')).toEqual(b)
      }),
    )
  })

  it('refuse every non-canonical spelling: the last character carries 4 unused bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const spellings = otherSpellings(toBase64Url(b))
        expect(spellings).toHaveLength(15)
        for (const other of spellings) {
          for (const g of guards) expect(g(other)).toBe(false)
          expect(() => parseMessageId(other)).toThrow(expect.objectContaining({ code: 'bad_request' }))
        }
      }),
    )
    // The attack's id: 'A'×21 then 'B' (the canonical one ends in 'A').
    expect(() => parseMessageId('AAAAAAAAAAAAAAAAAAAAAB')).toThrow(/^messageId: must be 16 bytes as canonical unpadded base64url/)
    expect(parseMessageId('AAAAAAAAAAAAAAAAAAAAAA')).toBe('AAAAAAAAAAAAAAAAAAAAAA')
  })

  it('refuse other lengths, padding, the standard alphabet and non-strings, naming the field', () => {
    const id = newMessageId()
    for (const bad of [id + 'A', id.slice(1), `${id}==`, id.replace(/[-_]/g, '+').replace(/^./, '/'), '', 42, null, undefined, { id }]) {
      if (bad === id) continue
      expect(() => parseGroupId(bad, 'url groupId')).toThrow(/^url groupId: /)
      expect(isGroupId(bad)).toBe(false)
    }
  })
})
