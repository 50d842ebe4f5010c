// dataRights (docs/organisations.md "Policies"): where the organisation's policy says `approval`,
// a person's own export (GET /v1/account/export) or erasure (POST /v1/account/delete) waits for an
// admin's approval. The person files the request (POST /v1/account/data-rights), sees whether it is
// pending or approved (GET /v1/account/data-rights); an admin with people.approve approves or
// declines it with two-person control's own routes (POST /v1/orgs/:org/approvals/:id/approve,
// …/decline: a receipt to the person, an audit entry); the approval is used up once, atomically,
// right before the export or the erasure runs. Where the policy says `allowed`, nothing waits.
// The person may withdraw their own pending request (data-rights-withdraw.ts).
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  dataRightAction,
  dataRightRequestSchema,
  toBase64Url,
  DATA_RIGHTS,
  type DataRight,
  type DataRightRequestInfo,
  type DataRightStatus,
  type DataRightsResponse,
  type OrgId,
  type UserId,
  parseUserId,
} from '@candor/protocol'
import type { AdminRecord, ApprovalRecord } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'
import { authenticate } from '../../auth/authenticate.ts'
import { parseBody } from '../../http/parse.ts'
import type { Permission } from '../roles.ts'
import { scopedUser } from '../org-scope.ts'
import { dataRightWithdrawRoute } from './data-rights-withdraw.ts'

/** The reason every data-rights request carries (the person's own request). */
const REASON = JSON.stringify({ why: 'subject_request', case: 'data-rights' })

/** The permission that approves an approval's action: its own for two-person control's, people.approve for a person's data rights. */
export function approvalPermission(action: string): Permission {
  return action.startsWith('data.') ? 'people.approve' : (action as Permission)
}

export const isDataRightAction = (action: string): boolean => action.startsWith('data.')

/** The person a data-rights request is about, when the admin holds people.approve in their organisation (else as if none). */
export async function dataRightSubject(ctx: AppContext, admin: AdminRecord, org: OrgId, target: string): Promise<UserId> {
  const userId = parseUserId(target.replace(/^user:/, ''), 'target')
  const m = await scopedUser(ctx, admin, userId, 'people.approve')
  if (m.org !== org) throw new CandorError('unknown_user', 'no such user')
  return userId
}

/** The person's open request for the right (pending, or approved and unused), newest first. */
async function openRequest(ctx: AppContext, org: OrgId, userId: UserId, right: DataRight): Promise<ApprovalRecord | null> {
  const open = await ctx.store.governance().openApprovals(org, ctx.access.now())
  const mine = open.filter((a) => a.action === dataRightAction(right) && a.requestedBy === userId && a.target === `user:${userId}`)
  return mine.at(-1) ?? null
}

async function statusOf(ctx: AppContext, userId: UserId, right: DataRight): Promise<{ org: OrgId | null; status: DataRightStatus }> {
  const m = await ctx.store.membershipOf(userId)
  const needs = m ? (await ctx.policies.current(m.org)).dataRights[right] === 'approval' : false
  if (!m || !needs) return { org: m?.org ?? null, status: { right, state: 'allowed', id: null, expiresAt: null } }
  const a = await openRequest(ctx, m.org, userId, right)
  return { org: m.org, status: { right, state: a ? (a.state === 'approved' ? 'approved' : 'pending') : 'none', id: a?.id ?? null, expiresAt: a?.expiresAt ?? null } }
}

/**
 * Before the person's export or erasure runs: nothing where the policy allows it; else the
 * person's approved request is used up (once), or the call is `forbidden` (details: approvalRequired,
 * dataRight, pending) and nothing happens.
 */
export async function useDataRight(ctx: AppContext, userId: UserId, right: DataRight): Promise<void> {
  const { org, status } = await statusOf(ctx, userId, right)
  if (status.state === 'allowed') return
  if (status.state !== 'approved' || org === null || status.id === null) {
    const what = right === 'export' ? 'an export of your account' : 'erasing your account'
    throw new CandorError('forbidden', `your organisation's policy puts ${what} under an admin's approval: ${status.state === 'pending' ? 'your request is waiting for it' : 'request it first (POST /v1/account/data-rights)'}`, {
      details: { approvalRequired: true, dataRight: right, pending: status.state === 'pending' },
    })
  }
  if (!(await ctx.store.governance().markExecuted(org, status.id, ctx.access.now()))) throw new CandorError('forbidden', 'this approval was used already or expired', { details: { approvalRequired: true, dataRight: right } })
}

/** The person's own data-rights requests, newest first, as they see them (withdrawn, used, ended or open). */
async function requestsOf(ctx: AppContext, org: OrgId, userId: UserId): Promise<DataRightRequestInfo[]> {
  const now = ctx.access.now()
  const all = await ctx.store.governance().approvalsRequestedBy(org, userId, 'data.', 50)
  const out: DataRightRequestInfo[] = []
  for (const a of all) {
    const right = DATA_RIGHTS.find((r) => a.action === dataRightAction(r))
    if (right === undefined || a.target !== `user:${userId}`) continue
    const base = { id: a.id, right, requestedAt: a.requestedAt, expiresAt: a.expiresAt }
    if (a.state === 'withdrawn') out.push({ ...base, state: 'withdrawn', endedAt: a.expiresAt })
    else if (a.state === 'executed') out.push({ ...base, state: 'used', endedAt: a.executedAt })
    else if (a.expiresAt <= now) out.push({ ...base, state: 'ended', endedAt: a.expiresAt })
    else out.push({ ...base, state: a.state, endedAt: null })
  }
  return out
}

export function dataRightsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/account/data-rights', async (req): Promise<DataRightsResponse> => {
    const s = await authenticate(ctx, req)
    const rights: DataRightStatus[] = []
    let org: OrgId | null = null
    for (const r of DATA_RIGHTS) {
      const st = await statusOf(ctx, s.userId, r)
      org = st.org
      rights.push(st.status)
    }
    return { org: org ?? '', rights, requests: org ? await requestsOf(ctx, org, s.userId) : [] }
  })

  app.post('/v1/account/data-rights', async (req, reply): Promise<DataRightStatus> => {
    const s = await authenticate(ctx, req)
    const { right } = parseBody(dataRightRequestSchema, req.body)
    const { org, status } = await statusOf(ctx, s.userId, right)
    // Allowed, or already asked: nothing new.
    if (status.state !== 'none' || org === null) return status
    const now = ctx.access.now()
    const hours = (await ctx.policies.current(org)).approvals.validHours
    const rec: ApprovalRecord = {
      id: toBase64Url(randomBytes(16)),
      org,
      action: dataRightAction(right),
      target: `user:${s.userId}`,
      reason: REASON,
      requestedBy: s.userId,
      requestedAt: now,
      expiresAt: now + hours * 3600_000,
      state: 'pending',
      approvedBy: null,
      approvedAt: null,
      executedAt: null,
    }
    await ctx.audit.record(org, { kind: 'person', userId: s.userId }, 'data_rights.request', `approval:${rec.id}`, { right })
    if (!(await ctx.store.governance().createApproval(rec))) throw new CandorError('conflict', 'try again')
    ctx.log.info({ userId: s.userId, right, approval: rec.id }, 'data-rights request filed for an admin’s approval')
    reply.code(202)
    return { right, state: 'pending', id: rec.id, expiresAt: rec.expiresAt }
  })

  dataRightWithdrawRoute(app, ctx)
}
