// The admin API. Every call signs the admin in, checks their role's permission in the target's
// organisation (organisations/roles.ts; another organisation's people are answered as if they
// did not exist), and reads or changes a person's data only through the access gate, which logs
// a receipt to that person first. Each call names a justification code and a case reference.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  CandorError,
  accessReasonQuery,
  accessReasonSchema,
  adminEnrolRequest,
  adminGrantRequest,
  parseDeviceId,
  parseUserId,
  DEFAULT_ORG_ID,
  type AccessReason,
  type AuditAction,
  type OrgId,
  type AdminMetadataExport,
  type AdminUserResponse,
  type DataCategory,
  type DeviceInfo,
  type UserId,
} from '@candor/protocol'
import type { z } from 'zod'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { requireAdmin } from '../access/admins.ts'
import type { AdminRecord, Membership } from '@candor/ports'
import { allowedIn } from '../organisations/roles.ts'
import { requirePermission, scopedDevice, scopedUser } from '../organisations/org-scope.ts'
import { deviceInfo, notifyDevices } from './device-info.ts'
import { publish } from './publish-devices.ts'
import { parseBody, parseParam } from './parse.ts'

/** How far a person's notice of an access may be delayed (docs/limits.md). */
export const MAX_NOTICE_DELAY_MS = 90 * 24 * 3600_000

/** The reason of a call: in the JSON body of a POST, in the query string (all text) of a GET. */
export function reasonOf(schema: z.ZodType<AccessReason, unknown>, raw: unknown, now: number): AccessReason {
  const r = parseBody(schema, raw)
  if (r.delayUntil !== undefined) {
    if (r.why !== 'legal_hold' && r.why !== 'security_investigation') {
      throw new CandorError('bad_request', 'a notice may be delayed only for a legal hold or a security investigation')
    }
    if (r.delayUntil > now + MAX_NOTICE_DELAY_MS) throw new CandorError('bad_request', 'a notice may be delayed by at most 90 days')
  }
  return r
}

/** A delayed notice needs its own permission, in the subject's organisation. */
export function checkDelay(admin: AdminRecord, subject: Membership, reason: AccessReason): void {
  if (reason.delayUntil !== undefined && !allowedIn(admin, subject.org, 'notices.delay')) {
    throw new CandorError('forbidden', `your role (${admin.role}) may not delay a person's notice`)
  }
}

function userParam(params: unknown): UserId {
  return parseParam(params, 'userId', parseUserId)
}

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** Runs `perform` through the gate on behalf of the admin, with the receipt going to `subject`. */
  const gated = <T>(admin: AdminRecord, subject: UserId, categories: DataCategory[], resources: string[], reason: AccessReason, perform: () => Promise<T>) =>
    ctx.access.access(
      {
        accessor: { userId: admin.userId, role: admin.role, org: admin.org },
        subject,
        categories,
        resources,
        justification: reason.why,
        caseRef: reason.case,
        ...(reason.delayUntil !== undefined ? { delayedUntil: reason.delayUntil } : {}),
      },
      perform,
    )

  /** The admin, the subject and the reason of a call about one person, each checked. */
  const userCall = async (req: FastifyRequest, p: 'users.read' | 'users.export') => {
    const admin = await requirePermission(ctx, req, p)
    const userId = userParam(req.params)
    const reason = reasonOf(accessReasonQuery, req.query, ctx.access.now())
    const membership = await scopedUser(ctx, admin, userId, p)
    checkDelay(admin, membership, reason)
    // Two-person control, where the policy says so: the approval is used up before the access.
    const approval = await ctx.approvals.check(admin, membership.org, p === 'users.export' ? 'users.export' : 'users.read', `user:${userId}`, reason)
    if (approval) await ctx.approvals.consume(approval)
    return { admin, userId, reason, membership, approval }
  }

  /** The organisation's audit entry of an admin action about a person, written before it takes effect. */
  const audited = (admin: AdminRecord, org: OrgId, action: AuditAction, target: string, reason: AccessReason, more: Record<string, unknown> = {}) =>
    ctx.audit.record(org, { kind: 'admin', admin }, action, target, {
      ...more,
      why: reason.why,
      case: reason.case,
      ...(reason.delayUntil !== undefined ? { delayUntil: reason.delayUntil } : {}),
      ...(reason.approval !== undefined ? { approval: reason.approval } : {}),
    })

  app.post('/v1/admin/enrol', async (req, reply) => {
    const s = await authenticate(ctx, req)
    const body = parseBody(adminEnrolRequest, req.body)
    const rec = await ctx.admins.enrolFirst(s.userId, body.token, body.org ?? 'operator', Date.now())
    await ctx.audit.record(DEFAULT_ORG_ID, { kind: 'admin', admin: rec }, 'role.grant', `user:${rec.userId}`, { role: rec.role, enrolment: 'one-time token' })
    ctx.log.warn({ userId: s.userId }, 'first admin enrolled with the one-time token')
    reply.code(201)
    return rec
  })

  app.get('/v1/admin/me', async (req) => (await requireAdmin(ctx, req)).admin)

  app.post('/v1/admin/admins', async (req, reply) => {
    const { admin } = await requireAdmin(ctx, req)
    const body = parseBody(adminGrantRequest, req.body)
    const rec = await ctx.admins.grant(admin, body.userId, body.role, body.org, Date.now(), (r) =>
      ctx.audit.record(r.role === 'operator' ? DEFAULT_ORG_ID : (r.org as OrgId), { kind: 'admin', admin }, 'role.grant', `user:${r.userId}`, { role: r.role }).then(() => undefined),
    )
    ctx.log.warn({ by: admin.userId, userId: rec.userId, role: rec.role }, 'admin rights granted')
    reply.code(201)
    return rec
  })

  // Revoking admin rights is an act on the admin's own account record: it names a reason and a
  // case like any other call and leaves a receipt to the person whose rights are taken away.
  app.post('/v1/admin/admins/:userId/revoke', async (req): Promise<AdminRecord> => {
    const { admin } = await requireAdmin(ctx, req)
    const userId = userParam(req.params)
    const reason = reasonOf(accessReasonSchema, req.body, ctx.access.now())
    const target = await ctx.admins.revocable(admin, userId)
    const subject = await ctx.store.membershipOf(userId)
    if (subject) checkDelay(admin, subject, reason)
    return gated(admin, userId, ['account_metadata'], [`admin:${userId}`], reason, async () => {
      await audited(admin, target.role === 'operator' ? DEFAULT_ORG_ID : (target.org as OrgId), 'role.revoke', `user:${userId}`, reason, { role: target.role })
      await ctx.admins.revoke(userId)
      ctx.log.warn({ by: admin.userId, userId, role: target.role }, 'admin rights revoked')
      return target
    })
  })

  app.get('/v1/admin/users/:userId', async (req): Promise<AdminUserResponse> => {
    const { admin, userId, reason, membership } = await userCall(req, 'users.read')
    return gated(admin, userId, ['account_metadata', 'device_list'], [`user:${userId}`], reason, async () => {
      await audited(admin, membership.org, 'user.read', `user:${userId}`, reason, { what: 'account' })
      const devices = await ctx.store.listDevices(userId)
      const groups = new Set<string>()
      for (const d of devices) for (const g of await ctx.store.listGroups(d.deviceId)) groups.add(g.groupId)
      return {
        userId,
        firstSeen: devices.length ? Math.min(...devices.map((d) => d.createdAt)) : null,
        devices: devices.map(deviceInfo),
        conversations: groups.size,
      }
    })
  })

  app.get('/v1/admin/users/:userId/devices', async (req): Promise<{ devices: DeviceInfo[] }> => {
    const { admin, userId, reason, membership } = await userCall(req, 'users.read')
    return gated(admin, userId, ['device_list'], [`user:${userId}/devices`], reason, async () => {
      await audited(admin, membership.org, 'user.read', `user:${userId}`, reason, { what: 'devices' })
      return { devices: (await ctx.store.listDevices(userId)).map(deviceInfo) }
    })
  })

  app.get('/v1/admin/users/:userId/metadata-export', async (req): Promise<AdminMetadataExport> => {
    const { admin, userId, reason, membership } = await userCall(req, 'users.export')
    const categories: DataCategory[] = ['account_metadata', 'device_list', 'group_membership', 'queue', 'key_packages']
    return gated(admin, userId, categories, [`user:${userId}`], reason, async () => {
      await audited(admin, membership.org, 'user.export', `user:${userId}`, reason)
      const devices = await ctx.store.listDevices(userId)
      const conversations = new Map<string, { groupId: string; epoch: number; memberDevices: number }>()
      const queues = []
      const keyPackages = []
      for (const d of devices) {
        for (const g of await ctx.store.listGroups(d.deviceId)) conversations.set(g.groupId, { groupId: g.groupId, epoch: g.epoch, memberDevices: g.members.length })
        queues.push({ deviceId: d.deviceId, pending: await ctx.store.pendingCount(d.deviceId) })
        keyPackages.push({ deviceId: d.deviceId, ...(await ctx.store.countKeyPackages(d.deviceId)) })
      }
      return { userId, exportedAt: Date.now(), devices: devices.map(deviceInfo), conversations: [...conversations.values()], queues, keyPackages }
    })
  })

  app.post('/v1/admin/devices/:deviceId/suspend', async (req): Promise<DeviceInfo> => {
    const admin = await requirePermission(ctx, req, 'devices.suspend')
    const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
    const reason = reasonOf(accessReasonSchema, req.body, ctx.access.now())
    const { device, membership } = await scopedDevice(ctx, admin, deviceId, 'devices.suspend')
    checkDelay(admin, membership, reason)
    const approval = await ctx.approvals.check(admin, membership.org, 'devices.suspend', `device:${deviceId}`, reason)
    if (approval) await ctx.approvals.consume(approval)
    return gated(admin, device.userId, ['device_status'], [`device:${deviceId}`], reason, async () => {
      await audited(admin, membership.org, 'device.suspend', `device:${deviceId}`, reason, { userId: device.userId })
      // Suspension takes the device out at once, as its owner's revocation would: sessions
      // stop, queue and key packages go, it leaves every roster (one store transaction); the
      // owner's other devices then remove it from each MLS group by a commit.
      const revoked = await ctx.store.revokeDevice(deviceId, device.userId)
      if (!revoked || revoked.device.status === 'revoked') return deviceInfo(revoked?.device ?? device)
      const published = await publish(ctx)
      for (const g of revoked.groups) ctx.roster.changed(g)
      notifyDevices(ctx, await ctx.store.listDevices(device.userId), { kind: 'device_revoked', deviceId })
      ctx.sessions.end([deviceId], 'suspended')
      if (published !== true) throw published
      ctx.log.warn({ by: admin.userId, deviceId }, 'device suspended by an admin')
      return deviceInfo({ ...device, status: 'revoked' })
    })
  })
}
