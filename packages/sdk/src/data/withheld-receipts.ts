// Whether the server kept an access receipt from this person. Their key-directory entry commits
// to their receipt tally (§3 `receipts`: a count and the last leaf hash under their salt), and
// their device monitors every version of that entry with proofs. Each version must commit to a
// prefix of the receipts the device was just handed, in tally order, never shrinking, and the
// handed receipts must be numbered 1, 2, … without a gap. The entry is read before the receipts
// are fetched, so every receipt it commits to was tallied before and must be among them;
// receipts tallied since are allowed beyond the last commitment.
import { receiptsCommitment } from '@candor/protocol'

export interface HandedReceipt {
  /** Its place in the tally, as the server says; null while not yet committed. */
  position: number | null
  leafHash: Uint8Array
}

/** The `receipts` commitment of one version of the person's own entry (null: the version has none). */
export interface CommittedVersion {
  version: number
  receipts: string | null
}

export interface WithheldReceipts {
  /** The version of the person's entry that commits to receipts they were not handed; null for a gap in the numbering alone. */
  version: number | null
  /** How many tallied receipts the server handed over. */
  handed: number
  reason: string
}

export function findWithheld(salt: Uint8Array, handed: readonly HandedReceipt[], versions: readonly CommittedVersion[]): WithheldReceipts | null {
  const tallied = handed.filter((r): r is HandedReceipt & { position: number } => r.position !== null).sort((a, b) => a.position - b.position)
  const prefixes = new Map<string, number>([[receiptsCommitment(salt, 0, null), 0]])
  for (const r of tallied) prefixes.set(receiptsCommitment(salt, r.position, r.leafHash), r.position)
  const withheld = (version: number | null, reason: string): WithheldReceipts => ({ version, handed: tallied.length, reason })

  let committed = 0
  let since: number | null = null
  for (const v of versions) {
    if (v.receipts === null) {
      if (since !== null) return withheld(v.version, `version ${v.version} of your directory entry dropped the receipt commitment that version ${since} had`)
      continue
    }
    since ??= v.version
    const count = prefixes.get(v.receipts)
    if (count === undefined) {
      return withheld(v.version, `version ${v.version} of your directory entry commits to access receipts the server did not hand to this device`)
    }
    if (count < committed) return withheld(v.version, `version ${v.version} of your directory entry commits to fewer access receipts (${count}) than an earlier one (${committed})`)
    committed = count
  }
  for (const [i, r] of tallied.entries()) {
    if (r.position !== i + 1) return withheld(null, `access receipt number ${i + 1} of your tally was not handed to this device`)
  }
  return null
}
