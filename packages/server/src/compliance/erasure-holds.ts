// The lines an account-deletion receipt adds for a person under legal hold (docs/compliance.md
// "Legal hold"): the server erases everything it holds of the account all the same, but the
// organisation's archive keeps what an active hold covers, and the receipt says so — which
// hold, on what (the person or a conversation they were in), under which case, until when. A
// hold whose notice is still delayed is stated without its case or target until the notice date.
import type { UserId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { holdBody, holdTargetsOf } from './compliance-scope.ts'

export async function heldLines(ctx: AppContext, userId: UserId, now: number): Promise<string[]> {
  const c = ctx.store.compliance()
  const byTarget = await c.activeHoldsOn(await holdTargetsOf(ctx, userId))
  // A person leaves their conversations before erasure: holds naming them when placed still count.
  const org = (await ctx.store.membershipOf(userId))?.org
  const byPeople = org ? (await c.holdsOf(org, false)).filter((h) => holdBody(h).people?.includes(userId)) : []
  const holds = [...new Map([...byTarget, ...byPeople].map((h) => [`${h.org} ${h.id}`, h])).values()]
  return holds.map((h) => {
    const b = holdBody(h)
    const until = b.until === null ? 'until-released' : `until ${b.until}`
    return b.noticeAt <= now
      ? `held-in-archive ${h.target} org ${h.org} case ${b.case.replace(/\s+/g, '_')} ${until} hold ${h.id}`
      : `held-in-archive (a hold whose notice is delayed) org ${h.org} notice-at ${b.noticeAt}`
  })
}
