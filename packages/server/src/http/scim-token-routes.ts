// An organisation's SCIM provisioning tokens (docs/organisations.md §SCIM): an owner creates one
// for the identity provider — answered once, kept as a digest — lists them without their secrets
// and revokes them. Another organisation's admins hear of none (as if there were no organisation).
import type { FastifyInstance } from 'fastify'
import { CandorError, newScimToken, parseOrgId, scimTokenDigest, type CreatedScimToken, type ScimTokenInfo, type ScimTokenList } from '@candor/protocol'
import type { ScimTokenRecord } from '@candor/ports'
import { z } from 'zod'
import type { AppContext } from '../app-context.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { newScimResourceId } from '../organisations/scim/scim-ids.ts'
import { parseBody, parseParam } from './parse.ts'

const info = (t: ScimTokenRecord): ScimTokenInfo => ({ id: t.id, createdBy: t.createdBy, createdAt: t.createdAt, revokedAt: t.revokedAt })
const TOKEN_ID = /^[A-Za-z0-9_-]{16}$/

export function scimTokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  app.post('/v1/orgs/:org/scim-tokens', async (req, reply): Promise<CreatedScimToken> => {
    const admin = await requirePermission(ctx, req, 'scim.manage')
    const org = orgParam(req.params)
    parseBody(z.strictObject({}), req.body ?? {})
    await scopedOrg(ctx, admin, org, 'scim.manage')
    const token = newScimToken()
    const rec: ScimTokenRecord = { id: newScimResourceId(), org, digest: scimTokenDigest(token), createdBy: admin.userId, createdAt: Date.now(), revokedAt: null }
    await ctx.audit.record(org, { kind: 'admin', admin }, 'scim_token.create', `token:${rec.id}`)
    await ctx.store.createScimToken(rec)
    ctx.log.warn({ by: admin.userId, org, tokenId: rec.id }, 'SCIM token created')
    reply.code(201)
    return { ...info(rec), token }
  })

  app.get('/v1/orgs/:org/scim-tokens', async (req): Promise<ScimTokenList> => {
    const admin = await requirePermission(ctx, req, 'scim.manage')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'scim.manage')
    return { tokens: (await ctx.store.listScimTokens(org)).map(info) }
  })

  app.delete('/v1/orgs/:org/scim-tokens/:tokenId', async (req): Promise<ScimTokenInfo> => {
    const admin = await requirePermission(ctx, req, 'scim.manage')
    const org = orgParam(req.params)
    const tokenId = parseParam(req.params, 'tokenId', (v) => {
      if (typeof v !== 'string' || !TOKEN_ID.test(v)) throw new CandorError('not_found', 'no such SCIM token')
      return v
    })
    await scopedOrg(ctx, admin, org, 'scim.manage')
    const existing = (await ctx.store.listScimTokens(org)).find((x) => x.id === tokenId)
    if (existing && existing.revokedAt === null) await ctx.audit.record(org, { kind: 'admin', admin }, 'scim_token.revoke', `token:${tokenId}`)
    if (await ctx.store.revokeScimToken(org, tokenId, Date.now())) ctx.log.warn({ by: admin.userId, org, tokenId }, 'SCIM token revoked')
    const t = (await ctx.store.listScimTokens(org)).find((x) => x.id === tokenId)
    if (!t) throw new CandorError('not_found', 'no such SCIM token')
    return info(t)
  })
}
