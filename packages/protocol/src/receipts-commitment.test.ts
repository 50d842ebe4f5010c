import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toBase64Url } from './bytes.ts'
import { receiptsCommitment } from './receipts-commitment.ts'

const salt = new Uint8Array(32).fill(0x5a)
const leaf = new Uint8Array(32).fill(0xc3)

describe('receipts commitment', () => {
  it('is SHA-256 over the domain, the salt, the count as u64be and the last leaf hash (zeros for none)', () => {
    const expected = (count: number, last: Uint8Array) => {
      const n = Buffer.alloc(8)
      n.writeBigUInt64BE(BigInt(count))
      return toBase64Url(createHash('sha256').update('candor/receipts/v1').update(salt).update(n).update(last).digest())
    }
    expect(receiptsCommitment(salt, 0, null)).toBe(expected(0, new Uint8Array(32)))
    expect(receiptsCommitment(salt, 3, leaf)).toBe(expected(3, leaf))
    expect(receiptsCommitment(salt, 2 ** 40 + 1, leaf)).toBe(expected(2 ** 40 + 1, leaf))
  })

  it('changes with the count, the last leaf and the salt', () => {
    const c = receiptsCommitment(salt, 3, leaf)
    expect(receiptsCommitment(salt, 4, leaf)).not.toBe(c)
    expect(receiptsCommitment(salt, 3, new Uint8Array(32).fill(1))).not.toBe(c)
    expect(receiptsCommitment(new Uint8Array(32), 3, leaf)).not.toBe(c)
  })

  it('refuses malformed input', () => {
    expect(() => receiptsCommitment(new Uint8Array(16), 1, leaf)).toThrow(/salt/)
    expect(() => receiptsCommitment(salt, -1, leaf)).toThrow(/count/)
    expect(() => receiptsCommitment(salt, 1.5, leaf)).toThrow(/count/)
    expect(() => receiptsCommitment(salt, 0, leaf)).toThrow(/last leaf/)
    expect(() => receiptsCommitment(salt, 1, null)).toThrow(/last leaf/)
    expect(() => receiptsCommitment(salt, 1, new Uint8Array(31))).toThrow(/32 bytes/)
  })
})
