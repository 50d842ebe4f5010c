// An organisation's signed policy (docs/organisations.md §Policies): every member and guest reads
// the one that applies to them (GET /v1/policy) with its audit-log proof, which their client
// checks; the organisation's admins read it and its owners and admins set a new version.
import type { FastifyInstance } from 'fastify'
import { CandorError, orgPolicySchema, parseOrgId, toBase64Url, type OrgPolicyResponse, type OwnOrganisationResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { parseBody, parseParam } from './parse.ts'
import { index } from './audit-routes.ts'
import { archiveAccountCheck, republishArchiveAccounts } from './archive-policy-check.ts'

export function policyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  app.get('/v1/policy', async (req): Promise<OrgPolicyResponse> => {
    const s = await authenticate(ctx, req)
    const m = await ctx.store.membershipOf(s.userId)
    if (!m) throw new CandorError('not_found', 'you belong to no organisation')
    return ctx.policies.served(m.org)
  })

  // The person's organisation's name, as its first audit entry says it (protocol.md §4.9).
  app.get('/v1/organisation', async (req): Promise<OwnOrganisationResponse> => {
    const s = await authenticate(ctx, req)
    const m = await ctx.store.membershipOf(s.userId)
    if (!m) return { org: null, created: null }
    const first = await ctx.audit.prove(m.org, 0)
    let isCreate = false
    try {
      isCreate = first !== null && (JSON.parse(first.entry) as { action?: unknown }).action === 'org.create'
    } catch {
      // Our own entry; one that does not parse names no organisation.
    }
    return { org: m.org, created: first && isCreate ? { index: 0, ...first } : null }
  })

  // A member's client checks that each audit-log checkpoint it is shown with the policy extends the
  // last one it remembered (docs/protocol.md §4.8 "Members check consistency"): proofs of their
  // own organisation's log only.
  app.get('/v1/policy/consistency', async (req) => {
    const s = await authenticate(ctx, req)
    const from = index(req.query, 'from', undefined)
    const to = index(req.query, 'to', undefined)
    const m = await ctx.store.membershipOf(s.userId)
    if (!m) throw new CandorError('not_found', 'you belong to no organisation')
    return { proof: (await ctx.audit.consistency(m.org, from, to)).map((h) => toBase64Url(h)) }
  })

  app.get('/v1/orgs/:org/policy', async (req): Promise<OrgPolicyResponse> => {
    const admin = await requirePermission(ctx, req, 'org.read')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'org.read')
    return ctx.policies.served(org)
  })

  app.put('/v1/orgs/:org/policy', async (req): Promise<OrgPolicyResponse> => {
    const admin = await requirePermission(ctx, req, 'policy.set')
    const org = orgParam(req.params)
    const policy = parseBody(orgPolicySchema, req.body)
    await scopedOrg(ctx, admin, org, 'policy.set')
    if (policy.retention.minSeconds !== null && policy.retention.maxSeconds !== null && policy.retention.minSeconds > policy.retention.maxSeconds) {
      throw new CandorError('bad_request', 'retention: minSeconds must not exceed maxSeconds')
    }
    const previousArchive = await archiveAccountCheck(ctx, org, policy)
    const r = await ctx.policies.set(admin, org, policy)
    await republishArchiveAccounts(ctx, previousArchive, policy)
    ctx.log.warn({ by: admin.userId, org, version: r.version }, 'organisation policy set')
    return r
  })
}
