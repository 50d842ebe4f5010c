// Legal holds as the archive process applies them (docs/compliance.md "Legal hold"): a hold on a
// person (`user:<UserId>`: the records they sent) or on a conversation (`conversation:<GroupId>`:
// every record of it) exempts the records it covers from the archive's disappearing timers,
// retention sweeps and erasure, until it is released. The archive reads the holds from
// GET /v1/orgs/:org/compliance/holds and calls `isHeld` before it deletes any record.

export interface HoldInfo {
  id: string
  target: string
  case: string
  /** Until when the hold is meant to last (ms), or null: until released. Informational: only a release ends it. */
  until: number | null
  placedAt: number
  releasedAt: number | null
}

/** The fields of an archive record a hold is decided on. */
export interface HeldRecordView {
  conversation: string
  sender: { user: string }
}

/** The active holds that cover this record. */
export function holdsOn(record: HeldRecordView, holds: readonly HoldInfo[]): HoldInfo[] {
  return holds.filter(
    (h) => h.releasedAt === null && (h.target === `conversation:${record.conversation}` || h.target === `user:${record.sender.user}`),
  )
}

/** Whether the record must be kept: some active hold covers it (a released hold covers nothing). */
export function isHeld(record: HeldRecordView, holds: readonly HoldInfo[]): boolean {
  return holdsOn(record, holds).length > 0
}
