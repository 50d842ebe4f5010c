// contacts.guests.expiryDays (docs/organisations.md "Policies"): a guest the organisation hosts
// may use Candor for that many days after their account was created. Past it they cannot sign in
// (POST /v1/auth/session), and the organisation sweep (org-policy-sweep.ts) takes them out as
// deprovisioning does: devices revoked, sockets closed, removed from every conversation.
import type { OrgId, UserId } from '@candor/protocol'
import type { Membership } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'

const DAY_MS = 86_400_000

/** When a guest of `org` created at `createdAt` stops being let in, by the organisation's current policy (null: never). */
export async function guestEndsAt(ctx: AppContext, org: OrgId, createdAt: number): Promise<number | null> {
  const days = (await ctx.policies.current(org)).contacts.guests.expiryDays
  return days === null ? null : createdAt + days * DAY_MS
}

/** True when the person is a guest whose access ended (at `now`). Members are never expired. */
export async function guestExpired(ctx: AppContext, m: Membership, now: number): Promise<boolean> {
  if (!m.guest) return false
  const createdAt = await ctx.store.orgDevices().userCreatedAt(m.userId as UserId)
  if (createdAt === null) return false
  const ends = await guestEndsAt(ctx, m.org, createdAt)
  return ends !== null && ends <= now
}
