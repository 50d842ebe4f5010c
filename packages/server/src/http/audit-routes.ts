// An organisation's audit trail and where it is streamed (docs/organisations.md §Audit trail):
// its owners, auditors and compliance officers read it page by page with inclusion proofs
// against one signed checkpoint, and ask for consistency proofs between two sizes; its owners set
// the SIEM destinations (a change that is itself an entry of the trail).
import type { FastifyInstance } from 'fastify'
import { CandorError, parseOrgId, siemSettingsSchema, toBase64Url, type OrgAuditResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { parseBody, parseParam } from './parse.ts'

/** A log index in the query (`from`, `to`): a whole number, or `fallback` when absent. */
export function index(q: unknown, name: string, fallback: number | undefined): number {
  const v = (q ?? {}) as Record<string, unknown>
  const raw = v[name]
  if (raw === undefined && fallback !== undefined) return fallback
  if (typeof raw !== 'string' || !/^(0|[1-9][0-9]{0,14})$/.test(raw)) throw new CandorError('bad_request', `${name}: must be a whole number`)
  return Number(raw)
}

export function auditRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  app.get('/v1/orgs/:org/audit', async (req): Promise<OrgAuditResponse> => {
    const admin = await requirePermission(ctx, req, 'audit.read')
    const org = orgParam(req.params)
    const from = index(req.query, 'from', 0)
    await scopedOrg(ctx, admin, org, 'audit.read')
    return ctx.audit.read(org, from)
  })

  app.get('/v1/orgs/:org/audit/consistency', async (req) => {
    const admin = await requirePermission(ctx, req, 'audit.read')
    const org = orgParam(req.params)
    const from = index(req.query, 'from', undefined)
    const to = index(req.query, 'to', undefined)
    await scopedOrg(ctx, admin, org, 'audit.read')
    return { proof: (await ctx.audit.consistency(org, from, to)).map((h) => toBase64Url(h)) }
  })

  app.get('/v1/orgs/:org/siem', async (req) => {
    const admin = await requirePermission(ctx, req, 'siem.manage')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'siem.manage')
    const siem = await ctx.siem.settings(org)
    return { org, siem, delivery: await ctx.siem.delivery(org) }
  })

  app.put('/v1/orgs/:org/siem', async (req) => {
    const admin = await requirePermission(ctx, req, 'siem.manage')
    const org = orgParam(req.params)
    const settings = parseBody(siemSettingsSchema, req.body)
    await scopedOrg(ctx, admin, org, 'siem.manage')
    const where = { syslog: settings.syslog ? `${settings.syslog.host}:${settings.syslog.port}` : null, webhook: settings.webhook?.url ?? null }
    const logged = await ctx.audit.record(org, { kind: 'admin', admin }, 'siem.set', `org:${org}`, where)
    if (!(await ctx.store.governance().setSiemConfig(org, settings.syslog || settings.webhook ? JSON.stringify(settings) : null, Date.now()))) {
      throw new CandorError('not_found', 'no such organisation')
    }
    ctx.siem.forgetOthers(org, settings.syslog || settings.webhook ? settings : null)
    ctx.log.warn({ by: admin.userId, org, ...where }, 'SIEM settings set')
    // The change itself goes to the new destinations too (receivers drop a duplicate by index).
    ctx.siem.send(org, logged.index, logged.text)
    return { org, siem: settings.syslog || settings.webhook ? settings : null }
  })
}
