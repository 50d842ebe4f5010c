// Deprovisioning a person (SCIM `active: false`, or DELETE): every device of theirs is revoked
// through the store's one transactional revocation (status, queue, key packages, rosters, the
// key directory's backlog), their pending enrolment requests are denied, the directory is
// published and every live socket of theirs is closed at once (session_ended `revoked`, on every
// node). Idempotent: a repeated call revokes what is still active. Their removal from each
// conversation by an MLS commit is not done here (docs/organisations.md, "not done").
import type { DeviceId, GroupId, OrgId, UserId } from '@candor/protocol'
import type { AppContext } from '../../app-context.ts'
import { publish } from '../../http/publish-devices.ts'

export async function deprovision(ctx: AppContext, userId: UserId, org: OrgId): Promise<DeviceId[]> {
  // In the organisation's audit trail before it takes effect (the actor: its provisioning).
  await ctx.audit.record(org, { kind: 'scim', tokenId: 'provisioning' }, 'scim.deprovision', `user:${userId}`)
  const revoked: DeviceId[] = []
  const groups = new Set<GroupId>()
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
  // The SCIM call has taken effect; a failed publication is retried by the backlog sweep.
  if (published !== true) ctx.log.error({ err: published, userId }, 'directory publication after deprovisioning failed (the backlog sweep retries)')
  ctx.log.warn({ userId, devices: revoked.length }, 'person deprovisioned over SCIM: devices revoked, sessions ended')
  return revoked
}
