// Who reads what the organisation's archive applies (its legal holds, its erasure notices): the
// archive account its latest signed policy names, its compliance officers and holders of
// `audit.read` in it. Anyone else signed in: forbidden; an admin of another organisation: not_found.
import { CandorError, parseOrgId, type OrgId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { allowedAnywhere, allowedIn } from '../organisations/roles.ts'
import { isArchiveOf, isOfficerOf } from '../compliance/compliance-scope.ts'
import { parseParam } from './parse.ts'

/** Authenticates, then returns the route's `:org` once the caller may read `what` of it. */
export async function requireArchiveReader(ctx: AppContext, req: Parameters<typeof authenticate>[1], what: string): Promise<OrgId> {
  const session = await authenticate(ctx, req)
  const org = parseParam(req.params, 'org', parseOrgId)
  if (await isArchiveOf(ctx, org, session.userId)) return org
  const admin = await ctx.store.getAdmin(session.userId)
  if (!admin || !(allowedAnywhere(admin, 'holds.manage') || allowedAnywhere(admin, 'audit.read'))) throw new CandorError('forbidden', `reading ${what} needs holds.manage or audit.read (or to be the organisation’s archive)`)
  if (!(isOfficerOf(admin, org) || allowedIn(admin, org, 'audit.read'))) throw new CandorError('not_found', 'no such organisation')
  return org
}
