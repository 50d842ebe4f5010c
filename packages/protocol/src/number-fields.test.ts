import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { TIMESTAMP_MAX, decimalText, parseEpoch, parseLogSize, parseSeq, parseTimestamp } from './number-fields.ts'

describe('number fields', () => {
  it('take safe integers in range only', () => {
    expect(parseEpoch(0)).toBe(0)
    expect(parseSeq(1)).toBe(1)
    expect(parseTimestamp(TIMESTAMP_MAX)).toBe(TIMESTAMP_MAX)
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '3', null]) expect(() => parseEpoch(bad)).toThrow(/^epoch: /)
    expect(() => parseSeq(0)).toThrow('seq: must be an integer from 1 to')
    expect(() => parseTimestamp(TIMESTAMP_MAX + 1)).toThrow(/^timestamp: /)
    expect(() => parseLogSize(0, 'from')).toThrow(/^from: /)
  })

  it('read canonical decimal text and nothing else', () => {
    const seqText = decimalText(parseSeq)
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(seqText(String(n), 'seq')).toBe(n)
      }),
    )
    for (const bad of ['', '0', '01', '+1', '-1', '1e3', '0x10', ' 1', '1 ', '1.0', '99999999999999999', 5]) {
      expect(() => seqText(bad, 'seq')).toThrow(/^seq: /)
    }
  })
})
