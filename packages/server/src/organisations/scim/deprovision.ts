// Deprovisioning a person (SCIM `active: false`, or DELETE): every device of theirs is revoked
// through the store's one transactional revocation (status, queue, key packages, rosters, the
// key directory's backlog), their pending enrolment requests are denied, the directory is
// published and every live socket of theirs is closed at once (session_ended `revoked`, on every
// node). Idempotent: a repeated call revokes what is still active. Then the server proposes
// their removal from each group as its external sender (protocol.md §5.7).
import type { AuditAction, DeviceId, GroupId, OrgId, UserId } from '@candor/protocol'
import type { AppContext } from '../../app-context.ts'
import type { AuditActor } from '../audit/org-audit-log.ts'
import { publish } from '../../http/publish-devices.ts'
import { proposeRemovalsLater } from '../../mls/external-removals.ts'

/** Why a person is taken out: SCIM deprovisioning (the actor: the organisation's token that asked), or the policy (a guest whose access ended). */
export interface DeprovisionCause {
  actor: AuditActor
  action: AuditAction
  details?: Record<string, unknown>
}

export async function deprovision(ctx: AppContext, userId: UserId, org: OrgId, cause: DeprovisionCause): Promise<DeviceId[]> {
  // In the organisation's audit trail before it takes effect (the actor: its SCIM token, or its policy).
  await ctx.audit.record(org, cause.actor, cause.action, `user:${userId}`, cause.details ?? {})
  const revoked: DeviceId[] = []
  const groups = new Set<GroupId>()
  // Devices held for an admin's approval (devices.adminApproval) go too: they will never be approved.
  for (const d of await ctx.store.listDevices(userId)) if (d.status === 'pending') await ctx.store.revokeDevice(d.deviceId, userId)
  for (const deviceId of await ctx.store.activeDevicesOf(userId)) {
    const r = await ctx.store.revokeDevice(deviceId, userId)
    if (!r || r.device.status === 'revoked') continue
    revoked.push(deviceId)
    for (const g of r.groups) groups.add(g)
  }
  for (const e of await ctx.store.listEnrolments(userId, ctx.enrolments.now())) await ctx.store.denyEnrolment(e.deviceId, userId)
  if (revoked.length === 0) return revoked
  ctx.sessions.end(revoked, 'revoked')
  const published = await publish(ctx)
  for (const g of groups) ctx.roster.changed(g)
  // Their removal from every conversation: the server proposes it as the groups' external
  // sender, the next member online commits it (mls/external-removals.ts, protocol.md §5.7).
  proposeRemovalsLater(ctx, ctx.mlsSender, groups)
  // The SCIM call has taken effect; a failed publication is retried by the backlog sweep.
  if (published !== true) ctx.log.error({ err: published, userId }, 'directory publication after deprovisioning failed (the backlog sweep retries)')
  ctx.log.warn({ userId, devices: revoked.length, action: cause.action }, 'person deprovisioned: devices revoked, sessions ended')
  return revoked
}
