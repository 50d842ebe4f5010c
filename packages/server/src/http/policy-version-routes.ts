// The history of an organisation's policy for its admins (docs/organisations.md §Admin console):
// the list of versions and any one version with its proof. Read with `org.read`, like the current
// policy; another organisation's admin gets what an organisation that does not exist gets.
import type { FastifyInstance } from 'fastify'
import { CandorError, parseOrgId, type OrgPolicyResponse, type OrgPolicyVersions } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { policyVersions, servedPolicyVersion } from '../organisations/policy/policy-history.ts'
import { parseParam } from './parse.ts'

function parseVersion(v: unknown, field: string): number {
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,8}$/.test(v)) throw new CandorError('bad_request', `${field}: a policy version (1 or more)`)
  return Number(v)
}

export function policyVersionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  app.get('/v1/orgs/:org/policy/versions', async (req): Promise<OrgPolicyVersions> => {
    const admin = await requirePermission(ctx, req, 'org.read')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'org.read')
    return policyVersions(ctx.store, org)
  })

  app.get('/v1/orgs/:org/policy/versions/:version', async (req): Promise<OrgPolicyResponse> => {
    const admin = await requirePermission(ctx, req, 'org.read')
    const org = orgParam(req.params)
    const version = parseParam(req.params, 'version', parseVersion)
    await scopedOrg(ctx, admin, org, 'org.read')
    const r = await servedPolicyVersion(ctx.store, ctx.audit, org, version)
    if (!r) throw new CandorError('not_found', `the organisation has no policy version ${version}`)
    return r
  })
}
