// Which of the archive's records its deletion sweep removes (docs/protocol.md §11.12): a record
// is due once the disappearing timer it was received under has run out (`expiresAt` of its index
// line) or once the organisation's archive retention (`archive.retentionDays` of the signed
// policy) has passed since it was received, or once its sender's account was erased (an erasure
// notice the archive verified, §11.12) — unless an active legal hold covers it (its conversation,
// or its sender), in which case it is kept until the hold is released. Pure: the caller reads the
// index, the policy, the holds and the erasures it accepted, and deletes what this names.
import type { ArchiveIndexLine } from './archive-index.ts'
import { holdsOn, type HoldInfo } from './legal-hold.ts'

export const DAY_MS = 86_400_000

export type DeletionReason = 'erasure' | 'timer' | 'retention'

export interface SweepPlan {
  /** Records to delete now, with why. */
  delete: { line: ArchiveIndexLine; reason: DeletionReason }[]
  /** Records that would be due but an active hold keeps, with the holds' ids. */
  held: { line: ArchiveIndexLine; reason: DeletionReason; holds: string[] }[]
  /** The earliest time a kept record falls due (ms), or null: none will without a change. */
  next: number | null
}

/** Why the record is due at `now` (its sender's erasure first, then its timer), or null. */
export function dueReason(line: ArchiveIndexLine, now: number, retentionDays: number | null, erased: ReadonlySet<string> = new Set()): DeletionReason | null {
  if (erased.has(line.sender.user)) return 'erasure'
  if (line.expiresAt !== undefined && line.expiresAt <= now) return 'timer'
  if (retentionDays !== null && line.at + retentionDays * DAY_MS <= now) return 'retention'
  return null
}

/** When the record falls due (ms), or null: never, under this policy. */
export function dueAt(line: ArchiveIndexLine, retentionDays: number | null): number | null {
  const t = [line.expiresAt, retentionDays === null ? undefined : line.at + retentionDays * DAY_MS].filter((x): x is number => x !== undefined)
  return t.length === 0 ? null : Math.min(...t)
}

/** What the sweep deletes at `now` and what the holds keep. `erased`: the people whose erasure the archive accepted. */
export function planSweep(lines: readonly ArchiveIndexLine[], holds: readonly HoldInfo[], now: number, retentionDays: number | null, erased: ReadonlySet<string> = new Set()): SweepPlan {
  const plan: SweepPlan = { delete: [], held: [], next: null }
  for (const line of lines) {
    const reason = dueReason(line, now, retentionDays, erased)
    if (reason === null) {
      const at = dueAt(line, retentionDays)
      if (at !== null) plan.next = plan.next === null ? at : Math.min(plan.next, at)
      continue
    }
    const covering = holdsOn(line, holds)
    if (covering.length > 0) plan.held.push({ line, reason, holds: covering.map((h) => h.id) })
    else plan.delete.push({ line, reason })
  }
  return plan
}
