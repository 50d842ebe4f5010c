import { describe, expect, it } from 'vitest'
import { parseCaseRef, parseDeviceName } from './text-fields.ts'

describe('device names and case references', () => {
  it('count code points, not UTF-16 units or bytes, and keep the text as sent', () => {
    expect(parseDeviceName('Zoë’s phone')).toBe('Zoë’s phone')
    expect(parseDeviceName('猫'.repeat(64))).toBe('猫'.repeat(64)) // 192 UTF-8 bytes, 64 characters
    expect(parseDeviceName('😀'.repeat(64))).toHaveLength(128) // 64 code points, 128 UTF-16 units
    expect(() => parseDeviceName('😀'.repeat(65))).toThrow('deviceName: must be 1-64 characters')
    expect(() => parseDeviceName('')).toThrow('deviceName: must be 1-64 characters')
    const nfd = 'Zoe\u0308'
    expect(parseDeviceName(nfd)).toBe(nfd)
  })

  it('refuse control, separator and bidi-override characters, lone surrogates and outer spaces', () => {
    for (const bad of ['a\u0000b', 'tab\there', 'line\nbreak', 'del\u007f', 'c1\u0085', 'ls\u2028', 'evil\u202Egnp.exe', 'iso\u2066x\u2069', 'half\uD800', ' lead', 'trail ', 7]) {
      expect(() => parseDeviceName(bad)).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^deviceName: /) }))
    }
  })

  it('take case references of up to 128 characters under the same rules', () => {
    expect(parseCaseRef('INC-2291 (legal, ref. 7/24)')).toBe('INC-2291 (legal, ref. 7/24)')
    expect(() => parseCaseRef('x'.repeat(129))).toThrow('case: must be 1-128 characters')
    expect(() => parseCaseRef('INC\r\n2291')).toThrow(/^case: /)
  })
})
