// The policy fields the server enforces beyond devices, attachments and approvals
// (docs/organisations.md "Policies"):
// - `contacts.scope` / `partners` / `guests.allowed`: who may talk to whom — checked on every
//   validated commit that adds someone, between each added person and everyone in the new tree,
//   both ways (each side's organisation must allow the other);
// - `retention.disappearingAllowed` / `minSeconds` / `maxSeconds`: a conversation's disappearing
//   timer, checked against the policy of every member's organisation;
// - `sso.required` / `sso.reauthMinutes`: folded into the SSO checks (organisations/sso/sign-in.ts).
import { CandorError, type DeviceId, type OrgId, type OrgPolicy, type UserId } from '@candor/protocol'
import type { Membership } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'

type Lookups = { memberships: Map<string, Promise<Membership | null>>; policies: Map<string, Promise<OrgPolicy>> }

const lookups = (): Lookups => ({ memberships: new Map(), policies: new Map() })

function membership(ctx: AppContext, l: Lookups, userId: string): Promise<Membership | null> {
  let m = l.memberships.get(userId)
  if (!m) l.memberships.set(userId, (m = ctx.store.membershipOf(userId as UserId)))
  return m
}

function policy(ctx: AppContext, l: Lookups, org: string): Promise<OrgPolicy> {
  let p = l.policies.get(org)
  if (!p) l.policies.set(org, (p = ctx.policies.current(org as OrgId)))
  return p
}

/** Why `a`'s organisation does not let `a` talk to `b`, or null when it does. */
async function refusal(ctx: AppContext, l: Lookups, a: string, b: string): Promise<string | null> {
  const ma = await membership(ctx, l, a)
  if (!ma) return null
  const mb = await membership(ctx, l, b)
  const p = (await policy(ctx, l, ma.org)).contacts
  const otherOrg = mb?.org ?? null
  // A guest the organisation hosts counts as one of its own only where it allows guests.
  if (mb?.guest && otherOrg === ma.org && !p.guests.allowed) return `${ma.org}'s policy allows no guests`
  if (p.scope === 'anyone' || otherOrg === ma.org) return null
  if (p.scope === 'partners' && otherOrg !== null && p.partners.includes(otherOrg as OrgId)) return null
  return p.scope === 'members' ? `${ma.org}'s policy lets its people talk to its members only` : `${ma.org}'s policy lets its people talk to its members and partner organisations only`
}

/**
 * Refuses (CandorError 'forbidden', `details.policy: true`) a commit that adds someone whom a
 * person in the new tree may not talk to, or who may not talk to them, by either organisation's
 * policy.
 */
export async function checkContactScope(ctx: AppContext, addedUsers: readonly string[], treeUsers: readonly string[]): Promise<void> {
  if (addedUsers.length === 0) return
  const l = lookups()
  const everyone = [...new Set(treeUsers)]
  for (const added of new Set(addedUsers)) {
    for (const other of everyone) {
      if (other === added) continue
      const why = (await refusal(ctx, l, added, other)) ?? (await refusal(ctx, l, other, added))
      if (why) throw new CandorError('forbidden', `${added} and ${other} may not be in a conversation together: ${why}`, { details: { policy: true } })
    }
  }
}

/**
 * Refuses a disappearing timer (seconds; null: off) that the policy of a member's organisation
 * does not allow: timers not allowed at all (`forbidden`), or outside its bounds (`bad_request`).
 */
export async function checkTimer(ctx: AppContext, members: readonly DeviceId[], seconds: number | null): Promise<void> {
  if (seconds === null) return
  const l = lookups()
  const orgs = new Set<string>()
  for (const d of members) {
    const dev = await ctx.store.getDevice(d)
    const m = dev ? await membership(ctx, l, dev.userId) : null
    if (m) orgs.add(m.org)
  }
  for (const org of orgs) {
    const r = (await policy(ctx, l, org)).retention
    const details = { details: { policy: true, org } }
    if (!r.disappearingAllowed) throw new CandorError('forbidden', `${org}'s policy does not allow disappearing messages`, details)
    if (r.minSeconds !== null && seconds < r.minSeconds) throw new CandorError('bad_request', `${org}'s policy allows disappearing timers of ${r.minSeconds} s or more`, details)
    if (r.maxSeconds !== null && seconds > r.maxSeconds) throw new CandorError('bad_request', `${org}'s policy allows disappearing timers of ${r.maxSeconds} s or less`, details)
  }
}
