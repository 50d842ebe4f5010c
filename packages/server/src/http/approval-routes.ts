// Two-person control (docs/organisations.md §Two-person control): an admin requests a sensitive
// action, another admin approves it, then the requester performs it with the approval's id. The
// request and the approval each leave a receipt to the person concerned (through the access gate,
// with the same notice delay as the action) and an entry in the organisation's audit trail.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  accessReasonSchema,
  approvalListSchema,
  approvalRequestSchema,
  parseDeviceId,
  parseOrgId,
  parseUserId,
  type AccessReason,
  type ApprovalInfo,
  type OrgId,
  type UserId,
} from '@candor/protocol'
import { z } from 'zod'
import type { AdminRecord, ApprovalRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { requireAdmin } from '../access/admins.ts'
import { allowedAnywhere, allowedIn } from '../organisations/roles.ts'
import { requirePermission, scopedDevice, scopedOrg, scopedUser } from '../organisations/org-scope.ts'
import { approvalInfo, type GatedAction } from '../organisations/policy/approvals.ts'
import { checkDelay, reasonOf } from './admin-routes.ts'
import { approvalPermission, dataRightSubject, isDataRightAction } from '../organisations/devices/data-rights.ts'
import { parseBody, parseParam } from './parse.ts'

const APPROVAL_ID = /^[A-Za-z0-9_-]{22}$/

export function approvalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  /** The receipt to the person concerned, then `perform` (which writes the audit entry first). */
  const gated = <T>(admin: AdminRecord, subject: UserId, resource: string, reason: AccessReason, perform: () => Promise<T>) =>
    ctx.access.access(
      {
        accessor: { userId: admin.userId, role: admin.role, org: admin.org },
        subject,
        categories: ['account_metadata'],
        resources: [resource],
        justification: reason.why,
        caseRef: reason.case,
        ...(reason.delayUntil !== undefined ? { delayedUntil: reason.delayUntil } : {}),
      },
      perform,
    )

  /** The person an approval's target names, checked in the admin's scope for that action (else as if none). */
  const subjectOf = async (admin: AdminRecord, org: OrgId, action: GatedAction, target: string, reason: AccessReason): Promise<UserId> => {
    if (action === 'devices.suspend') {
      const deviceId = parseDeviceId(target.replace(/^device:/, ''), 'target')
      const { device, membership } = await scopedDevice(ctx, admin, deviceId, action)
      if (membership.org !== org) throw new CandorError('unknown_device', 'no such device')
      checkDelay(admin, membership, reason)
      return device.userId
    }
    const userId = parseUserId(target.replace(/^user:/, ''), 'target')
    const membership = await scopedUser(ctx, admin, userId, action)
    if (membership.org !== org) throw new CandorError('unknown_user', 'no such user')
    checkDelay(admin, membership, reason)
    return userId
  }

  app.post('/v1/orgs/:org/approvals', async (req, reply): Promise<ApprovalInfo> => {
    const { admin } = await requireAdmin(ctx, req)
    const org = orgParam(req.params)
    const body = parseBody(approvalRequestSchema, req.body)
    if (!allowedAnywhere(admin, body.action)) throw new CandorError('forbidden', `your role (${admin.role}) does not allow ${body.action}`)
    if (!allowedIn(admin, org, body.action)) throw new CandorError('not_found', 'no such organisation')
    const reason = reasonOf(accessReasonSchema, { why: body.why, case: body.case, ...(body.delayUntil !== undefined ? { delayUntil: body.delayUntil } : {}) }, ctx.access.now())
    const subject = await subjectOf(admin, org, body.action, body.target, reason)
    const target = body.action === 'devices.suspend' ? `device:${body.target.replace(/^device:/, '')}` : `user:${subject}`
    const rec = await ctx.approvals.draft(admin, org, body.action, target, reason)
    const saved = await gated(admin, subject, `approval:${rec.id}`, reason, async () => {
      await ctx.audit.record(org, { kind: 'admin', admin }, 'approval.request', `approval:${rec.id}`, {
        action: rec.action,
        target,
        why: reason.why,
        case: reason.case,
        ...(reason.delayUntil !== undefined ? { delayUntil: reason.delayUntil } : {}),
      })
      await ctx.approvals.save(rec)
      return rec
    })
    reply.code(201)
    return approvalInfo(saved)
  })

  app.get('/v1/orgs/:org/approvals', async (req): Promise<z.infer<typeof approvalListSchema>> => {
    const admin = await requirePermission(ctx, req, 'members.list')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'members.list')
    return { approvals: (await ctx.store.governance().openApprovals(org, ctx.access.now())).map(approvalInfo) }
  })

  app.post('/v1/orgs/:org/approvals/:id/approve', async (req): Promise<ApprovalInfo> => {
    const { admin } = await requireAdmin(ctx, req)
    const org = orgParam(req.params)
    const id = parseParam(req.params, 'id', (v) => {
      if (typeof v !== 'string' || !APPROVAL_ID.test(v)) throw new CandorError('not_found', 'no such approval request')
      return v
    })
    parseBody(z.strictObject({}), req.body ?? {})
    const a: ApprovalRecord | null = await ctx.store.governance().getApproval(org, id)
    // Only an admin who could take the action in the organisation may approve it (a person's own
    // export or erasure, dataRights: an admin with people.approve).
    if (!a || !allowedIn(admin, org, approvalPermission(a.action))) throw new CandorError('not_found', 'no such approval request')
    const reason = JSON.parse(a.reason) as AccessReason
    const subject = isDataRightAction(a.action) ? await dataRightSubject(ctx, admin, org, a.target) : await subjectOf(admin, org, a.action as GatedAction, a.target, reason)
    if (a.requestedBy === admin.userId) throw new CandorError('forbidden', 'an approval must come from another admin than the one who asked for it')
    if (a.state !== 'pending' || a.expiresAt <= ctx.access.now()) throw new CandorError('conflict', `this request is ${a.state === 'pending' ? 'expired' : a.state}`)
    return gated(admin, subject, `approval:${a.id}`, reason, async () => {
      await ctx.audit.record(org, { kind: 'admin', admin }, 'approval.approve', `approval:${a.id}`, { action: a.action, target: a.target, requestedBy: a.requestedBy })
      const r = await ctx.store.governance().approve(org, id, admin.userId, ctx.access.now())
      if (r !== 'approved') throw new CandorError(r === 'same_admin' ? 'forbidden' : 'conflict', `this request could not be approved (${r})`)
      return approvalInfo((await ctx.store.governance().getApproval(org, id))!)
    })
  })
}
