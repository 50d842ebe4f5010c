// The organisation policies that act with time (docs/organisations.md "Policies"), run by a timer
// of every node (ServerOptions.orgSweepMs, default 15 minutes) and by tests with a moved clock
// (ServerOptions.accessClock):
// - devices.revokeAfterDaysUnseen: an active device last seen (signed in) more than N days ago is
//   revoked as its owner's revocation does it — one store transaction, the directory published,
//   its sessions ended, the person's other devices told (`device_revoked`: they remove it from each
//   conversation by a commit), and when it was their last, the server proposes their removal;
// - contacts.guests.expiryDays: a guest whose access ended is taken out as SCIM deprovisioning
//   does it (every device revoked, sockets closed, removed from every conversation).
// Each revocation is an entry of the organisation's audit trail (actor `policy`) written first.
import { dayOf, type DeviceId, type GroupId, type OrgId, type UserId } from '@candor/protocol'
import type { AppContext } from '../../app-context.ts'
import { notifyDevices } from '../../http/device-info.ts'
import { publish } from '../../http/publish-devices.ts'
import { proposeRemovalsLater } from '../../mls/external-removals.ts'
import { deprovision } from '../scim/deprovision.ts'

const DAY_MS = 86_400_000
/** Devices (or guests) handled per organisation and run; the next run takes the rest. */
const BATCH = 500
export const DEFAULT_ORG_SWEEP_MS = 15 * 60_000

export interface SweepResult {
  /** Devices revoked for being unseen too long. */
  unseen: DeviceId[]
  /** Guests taken out because their access ended. */
  guests: UserId[]
}

export async function sweepOrgPolicies(ctx: AppContext): Promise<SweepResult> {
  const out: SweepResult = { unseen: [], guests: [] }
  const now = ctx.access.now()
  for (const org of await ctx.store.listOrganisations()) {
    const policy = await ctx.policies.current(org.id)
    const days = policy.devices.revokeAfterDaysUnseen
    if (days !== null) out.unseen.push(...(await revokeUnseen(ctx, org.id, days, now)))
    const expiry = policy.contacts.guests.expiryDays
    if (expiry !== null) {
      for (const userId of await ctx.store.orgDevices().expiredGuests(org.id, now - expiry * DAY_MS, BATCH)) {
        await deprovision(ctx, userId, org.id, { actor: { kind: 'policy', id: 'contacts.guests.expiryDays' }, action: 'guest.expire', details: { expiryDays: expiry } })
        out.guests.push(userId)
      }
    }
  }
  return out
}

async function revokeUnseen(ctx: AppContext, org: OrgId, days: number, now: number): Promise<DeviceId[]> {
  const unseen = await ctx.store.orgDevices().unseenDevices(org, dayOf(now) - days, BATCH)
  const revoked: DeviceId[] = []
  const groups = new Set<GroupId>()
  const people = new Map<UserId, DeviceId[]>()
  for (const { deviceId, userId } of unseen) {
    const lastSeenDay = await ctx.store.orgDevices().lastSeenDay(deviceId)
    await ctx.audit.record(org, { kind: 'policy', id: 'devices.revokeAfterDaysUnseen' }, 'device.revoke_unseen', `device:${deviceId}`, { userId, days, lastSeenDay })
    const r = await ctx.store.revokeDevice(deviceId, userId)
    if (!r || r.device.status !== 'active') continue
    revoked.push(deviceId)
    people.set(userId, [...(people.get(userId) ?? []), deviceId])
    for (const g of r.groups) groups.add(g)
    notifyDevices(ctx, [r.device], { kind: 'device_revoked', deviceId })
  }
  if (revoked.length === 0) return revoked
  const published = await publish(ctx)
  for (const g of groups) ctx.roster.changed(g)
  // Someone whose last device went is gone: the server proposes their removal (protocol.md §5.7).
  proposeRemovalsLater(ctx, ctx.mlsSender, groups)
  for (const [userId, theirs] of people) {
    const devices = await ctx.store.listDevices(userId)
    for (const deviceId of theirs) notifyDevices(ctx, devices, { kind: 'device_revoked', deviceId })
  }
  ctx.sessions.end(revoked, 'revoked')
  if (published !== true) ctx.log.error({ err: published, org }, 'directory publication after revoking unseen devices failed (the backlog sweep retries)')
  ctx.log.warn({ org, devices: revoked.length, days }, 'devices unseen too long revoked by the organisation’s policy')
  return revoked
}
