// Declining a request for two-person control (docs/organisations.md §Two-person control): an admin
// who could approve it (the action's permission in the organisation) declines it, or its
// requester withdraws it. It ends at once — gone from the open list, never approved or used — and
// the organisation's audit trail gets an `approval.decline` entry first. Nobody's data is read, so
// no receipt is written.
import type { FastifyInstance } from 'fastify'
import { CandorError, parseOrgId, type ApprovalInfo } from '@candor/protocol'
import { z } from 'zod'
import type { AppContext } from '../app-context.ts'
import { requireAdmin } from '../access/admins.ts'
import { allowedIn } from '../organisations/roles.ts'
import { approvalInfo } from '../organisations/policy/approvals.ts'
import { approvalPermission } from '../organisations/devices/data-rights.ts'
import { parseBody, parseParam } from './parse.ts'

const APPROVAL_ID = /^[A-Za-z0-9_-]{22}$/

export function approvalDeclineRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/orgs/:org/approvals/:id/decline', async (req): Promise<ApprovalInfo> => {
    const { admin } = await requireAdmin(ctx, req)
    const org = parseParam(req.params, 'org', parseOrgId)
    const id = parseParam(req.params, 'id', (v) => {
      if (typeof v !== 'string' || !APPROVAL_ID.test(v)) throw new CandorError('not_found', 'no such approval request')
      return v
    })
    parseBody(z.strictObject({}), req.body ?? {})
    const a = await ctx.store.governance().getApproval(org, id)
    // Only an admin who could take the action in the organisation sees the request at all.
    if (!a || !allowedIn(admin, org, approvalPermission(a.action))) throw new CandorError('not_found', 'no such approval request')
    const now = ctx.access.now()
    if (a.state !== 'pending' || a.expiresAt <= now) throw new CandorError('conflict', `this request is ${a.state === 'pending' ? 'expired' : a.state}`)
    const withdrawn = a.requestedBy === admin.userId
    await ctx.audit.record(org, { kind: 'admin', admin }, 'approval.decline', `approval:${a.id}`, { action: a.action, target: a.target, requestedBy: a.requestedBy, withdrawn })
    if (!(await ctx.store.governance().decline(org, id, now))) throw new CandorError('conflict', 'this request is no longer pending')
    ctx.log.warn({ by: admin.userId, org, approval: a.id }, withdrawn ? 'approval request withdrawn' : 'approval request declined')
    return approvalInfo((await ctx.store.governance().getApproval(org, id))!)
  })
}
