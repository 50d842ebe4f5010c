// Who a SCIM request comes from: an organisation's bearer token (created by an owner, kept as a
// digest, revocable). A token reaches its own organisation only; anything else is 401.
import type { FastifyRequest } from 'fastify'
import { SCIM_TOKEN_PATTERN, scimTokenDigest, type OrgId } from '@candor/protocol'
import type { AppContext } from '../../app-context.ts'
import type { AuditActor } from '../audit/org-audit-log.ts'
import { ScimError } from './scim-errors.ts'

/** The organisation a SCIM request acts on, and the token acting (the actor in its audit trail). */
export async function scimOrganisation(ctx: AppContext, req: FastifyRequest): Promise<{ org: OrgId; actor: AuditActor }> {
  const header = req.headers.authorization
  const m = typeof header === 'string' ? /^Bearer (\S+)$/i.exec(header) : null
  if (!m || !SCIM_TOKEN_PATTERN.test(m[1]!)) throw new ScimError(401, 'a SCIM bearer token of the organisation is required')
  const token = await ctx.store.scimTokenByDigest(scimTokenDigest(m[1]!))
  // Unknown and revoked tokens get the same answer.
  if (!token || token.revokedAt !== null) throw new ScimError(401, 'the SCIM token is not valid')
  return { org: token.org, actor: { kind: 'scim', tokenId: token.id } }
}
