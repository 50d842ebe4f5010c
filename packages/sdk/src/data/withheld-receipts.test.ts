import { describe, expect, it } from 'vitest'
import { receiptsCommitment } from '@candor/protocol'
import { findWithheld, type HandedReceipt } from './withheld-receipts.ts'

const salt = new Uint8Array(32).fill(7)
const leaf = (n: number) => new Uint8Array(32).fill(n)
const handed = (...positions: Array<number | null>): HandedReceipt[] => positions.map((p, i) => ({ position: p, leafHash: leaf(p ?? 100 + i) }))
const commit = (count: number) => receiptsCommitment(salt, count, count === 0 ? null : leaf(count))
const versions = (...commitments: Array<string | null>) => commitments.map((receipts, i) => ({ version: i + 1, receipts }))

describe('findWithheld', () => {
  it('accepts every version committing to a prefix of what was handed, growing, with receipts tallied since beyond it', () => {
    expect(findWithheld(salt, [], versions(commit(0)))).toBeNull()
    expect(findWithheld(salt, handed(1, 2, 3), versions(null, commit(0), commit(1), commit(1), commit(3)))).toBeNull()
    // Handed in index order, tallied in another (a delayed notice), plus some not yet tallied or committed.
    expect(findWithheld(salt, handed(1, 3, 2, null, 4), versions(commit(0), commit(2), commit(3)))).toBeNull()
  })

  it('names the version that commits to a receipt the device was not handed', () => {
    expect(findWithheld(salt, handed(1), versions(commit(1), commit(2)))).toMatchObject({ version: 2, handed: 1 })
    // The right count with another last receipt is no prefix either.
    const other = receiptsCommitment(salt, 2, leaf(99))
    expect(findWithheld(salt, handed(1, 2), versions(commit(1), other))).toMatchObject({ version: 2 })
    // Under another salt nothing matches.
    expect(findWithheld(new Uint8Array(32), handed(1), versions(commit(1)))).toMatchObject({ version: 1 })
  })

  it('refuses a commitment that shrinks or disappears, and a gap in the numbering', () => {
    expect(findWithheld(salt, handed(1, 2), versions(commit(2), commit(1)))?.reason).toMatch(/fewer access receipts \(1\) than an earlier one \(2\)/)
    expect(findWithheld(salt, handed(1), versions(commit(1), null))?.reason).toMatch(/dropped the receipt commitment that version 1 had/)
    expect(findWithheld(salt, handed(1, 3), versions(commit(1)))).toEqual({ version: null, handed: 2, reason: expect.stringMatching(/number 2/) })
    expect(findWithheld(salt, handed(1, 1), versions(commit(1)))).toMatchObject({ version: null })
  })
})
