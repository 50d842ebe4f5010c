// devices.adminApproval (docs/organisations.md "Policies"): where the organisation's policy asks
// for it, a new device that the person's own device approved is held — `pending`, it cannot sign
// in and is in no directory entry — until an admin of the organisation approves it too. Approving
// or declining goes through the access gate (a receipt to the person first) and the organisation's
// audit trail, like every admin action about a person.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  accessReasonSchema,
  parseDeviceId,
  parseOrgId,
  type AccessReason,
  type DeviceInfo,
  type HeldDevices,
  type OrgId,
  type UserId,
} from '@candor/protocol'
import type { AdminRecord } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'
import { deviceInfo, notifyDevices } from '../../http/device-info.ts'
import { publish } from '../../http/publish-devices.ts'
import { parseParam } from '../../http/parse.ts'
import { checkDelay, reasonOf } from '../../http/admin-routes.ts'
import { requirePermission, scopedDevice, scopedOrg } from '../org-scope.ts'
import { guestExpired } from './guest-expiry.ts'

/** The most held devices listed at once (oldest first). */
export const HELD_DEVICES_LISTED = 500

export function heldDeviceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const gated = <T>(admin: AdminRecord, subject: UserId, deviceId: string, reason: AccessReason, perform: () => Promise<T>) =>
    ctx.access.access(
      {
        accessor: { userId: admin.userId, role: admin.role, org: admin.org },
        subject,
        categories: ['device_status'],
        resources: [`device:${deviceId}`],
        justification: reason.why,
        caseRef: reason.case,
        ...(reason.delayUntil !== undefined ? { delayedUntil: reason.delayUntil } : {}),
      },
      perform,
    )

  app.get('/v1/orgs/:org/held-devices', async (req): Promise<HeldDevices> => {
    const admin = await requirePermission(ctx, req, 'people.approve')
    const org = parseParam(req.params, 'org', parseOrgId)
    await scopedOrg(ctx, admin, org, 'people.approve')
    const devices = await ctx.store.orgDevices().heldDevices(org, HELD_DEVICES_LISTED)
    return { org, devices: devices.map((d) => ({ deviceId: d.deviceId, userId: d.userId, name: d.name, createdAt: d.createdAt })) }
  })

  for (const verdict of ['approve', 'decline'] as const) {
    app.post(`/v1/orgs/:org/held-devices/:deviceId/${verdict}`, async (req): Promise<DeviceInfo> => {
      const admin = await requirePermission(ctx, req, 'people.approve')
      const org: OrgId = parseParam(req.params, 'org', parseOrgId)
      const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
      const reason = reasonOf(accessReasonSchema, req.body, ctx.access.now())
      await scopedOrg(ctx, admin, org, 'people.approve')
      const { device, membership } = await scopedDevice(ctx, admin, deviceId, 'people.approve')
      if (membership.org !== org || device.status !== 'pending' || !device.attestation) throw new CandorError('unknown_device', 'no such device held for approval')
      checkDelay(admin, membership, reason)
      const userId = device.userId
      if (verdict === 'approve') {
        // A person deprovisioned or a guest whose access ended gets no new device.
        if ((await ctx.store.scimUserOf(userId))?.active === false || (await guestExpired(ctx, membership, ctx.access.now()))) {
          throw new CandorError('conflict', `${userId} may not use Candor any more (deprovisioned, or a guest whose access ended); decline the device`)
        }
      }
      return gated(admin, userId, deviceId, reason, async () => {
        await ctx.audit.record(org, { kind: 'admin', admin }, verdict === 'approve' ? 'device.approve' : 'device.decline', `device:${deviceId}`, {
          userId,
          why: reason.why,
          case: reason.case,
          ...(reason.delayUntil !== undefined ? { delayUntil: reason.delayUntil } : {}),
        })
        if (verdict === 'decline') {
          const r = await ctx.store.revokeDevice(deviceId, userId)
          if (!r || r.device.status !== 'pending') throw new CandorError('unknown_device', 'no such device held for approval (approved or declined meanwhile)')
          const published = await publish(ctx)
          if (published !== true) ctx.log.error({ err: published, userId }, 'directory publication after a declined device failed (the backlog sweep retries)')
          ctx.log.warn({ by: admin.userId, deviceId, userId }, 'held device declined by an admin')
          return deviceInfo({ ...device, status: 'revoked' })
        }
        const maxDevices = Math.min(LIMITS.devicesPerUser, (await ctx.policies.current(org)).devices.maxPerPerson)
        const active = await ctx.store.orgDevices().activateHeldDevice(deviceId, userId, maxDevices)
        if (!active) throw new CandorError('unknown_device', 'no such device held for approval (approved or declined meanwhile)')
        const published = await publish(ctx)
        // The device that approved it first adds it to the person's conversations (SDK: device_approved).
        notifyDevices(ctx, await ctx.store.listDevices(userId), { kind: 'device_approved', deviceId, by: device.attestation!.by })
        if (published !== true) throw published
        ctx.log.warn({ by: admin.userId, deviceId, userId }, 'held device approved by an admin')
        return deviceInfo(active)
      })
    })
  }
}
