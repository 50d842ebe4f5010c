// What the organisation's archive keeps of a person being erased (docs/compliance.md "Legal
// hold"): the server erases everything it holds of the account all the same, but the archive
// keeps what an active hold covers, and the deletion receipt says so — which hold, on what (the
// person or a conversation they were in), under which case, until when. A hold whose notice is
// still delayed is stated without its case or target until the notice date.
import type { UserId } from '@candor/protocol'
import type { LegalHoldRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { holdBody, holdTargetsOf } from './compliance-scope.ts'

/** The active holds that keep some of the person's records: on them, on a conversation they are in, or naming them when placed. */
export async function holdsKeeping(ctx: AppContext, userId: UserId): Promise<LegalHoldRecord[]> {
  const c = ctx.store.compliance()
  const byTarget = await c.activeHoldsOn(await holdTargetsOf(ctx, userId))
  // A person leaves their conversations before erasure: holds naming them when placed still count.
  const org = (await ctx.store.membershipOf(userId))?.org
  const byPeople = org ? (await c.holdsOf(org, false)).filter((h) => holdBody(h).people?.includes(userId)) : []
  return [...new Map([...byTarget, ...byPeople].map((h) => [`${h.org} ${h.id}`, h])).values()]
}

/** The receipt's `held-in-archive …` lines (docs/protocol.md §11.10). */
export function heldLines(holds: readonly LegalHoldRecord[], now: number): string[] {
  return holds.map((h) => {
    const b = holdBody(h)
    const until = b.until === null ? 'until-released' : `until ${b.until}`
    return b.noticeAt <= now
      ? `held-in-archive ${h.target} org ${h.org} case ${b.case.replace(/\s+/g, '_')} ${until} hold ${h.id}`
      : `held-in-archive (a hold whose notice is delayed) org ${h.org} notice-at ${b.noticeAt}`
  })
}
