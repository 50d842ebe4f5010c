// The notice `legal_holds_changed` (docs/protocol.md §6, §11.10): the people a legal hold covers —
// the person, or everyone in the conversation — are told, on every device online and on any
// node, when what `GET /v1/legal-holds` answers them changed, so their clients read it again: a
// hold placed with its notice due, a delayed hold whose notice date came, a hold released. Never
// a delayed hold before its date: that notice rides on the hold's delayed receipts, which the
// receipt sweep makes readable on that date (DirectoryService.publishDueReceipts), so the
// schedule is the store's and survives restarts. The notice carries nothing; the holds
// themselves are read with the person's own session.
import type { UserId } from '@candor/protocol'
import type { LegalHoldRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { holdBody, holdTargetsOf, peopleInScope } from './compliance-scope.ts'

/** Everyone the hold concerns now: the people it named when placed and, for a conversation, its members now. */
async function peopleOf(ctx: AppContext, h: LegalHoldRecord): Promise<UserId[]> {
  const named = (holdBody(h).people ?? []) as UserId[]
  if (!h.target.startsWith('conversation:')) return named
  return peopleInScope(ctx, named, [h.target.slice('conversation:'.length) as never])
}

/**
 * Tells the people of a hold placed (or released) that their holds changed, when its notice is
 * due; a delayed one waits for its date. In the background: a failure is logged, never undoes the hold.
 */
export function tellHoldChanged(ctx: AppContext, h: LegalHoldRecord): void {
  if (holdBody(h).noticeAt > ctx.access.now()) return
  peopleOf(ctx, h).then(
    (people) => {
      for (const u of people) ctx.notifyUser(u, { kind: 'legal_holds_changed' })
    },
    (err: unknown) => ctx.log.error({ err, hold: h.id }, 'legal-hold notice failed'),
  )
}

/**
 * After the receipt sweep made delayed receipts readable: tells each of those people whose active
 * holds include a delayed one whose date has come (its receipt is among them). A person with
 * another delayed receipt due while such a hold is active is told again; reading the holds again
 * is harmless.
 */
export async function noticeDueHolds(ctx: AppContext, subjects: readonly UserId[]): Promise<void> {
  const now = ctx.access.now()
  for (const u of subjects) {
    const holds = await ctx.store.compliance().activeHoldsOn(await holdTargetsOf(ctx, u))
    const came = holds.some((h) => {
      const b = holdBody(h)
      return b.noticeAt > h.placedAt && b.noticeAt <= now
    })
    if (came) ctx.notifyUser(u, { kind: 'legal_holds_changed' })
  }
}
