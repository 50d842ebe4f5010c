// The organisations API (docs/organisations.md): the operator creates organisations and
// records their verified domains; within an organisation, its admins see it, list its people
// and their roles, and set its sign-up, each as their role allows (organisations/roles.ts).
// Roles are granted and revoked through /v1/admin/admins (admin-routes.ts).
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  addDomainRequest,
  createOrganisationRequest,
  parseOrgId,
  parseUserId,
  setSignupRequest,
  type OrganisationInfo,
  type OrganisationMembers,
  type UserId,
} from '@candor/protocol'
import type { OrganisationRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { parseBody, parseParam } from './parse.ts'

const MEMBERS_PAGE = 500

const info = (o: OrganisationRecord): OrganisationInfo => ({ id: o.id, name: o.name, signup: o.signup, domains: o.domains, createdAt: o.createdAt })

export function organisationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  app.post('/v1/orgs', async (req, reply): Promise<OrganisationInfo> => {
    const admin = await requirePermission(ctx, req, 'orgs.create')
    const body = parseBody(createOrganisationRequest, req.body)
    const rec = { id: body.id, name: body.name, signup: body.signup ?? 'closed', createdAt: Date.now() }
    if (!(await ctx.store.createOrganisation(rec))) throw new CandorError('conflict', `the organisation ${body.id} exists`)
    // The organisation's log begins with its creation (it cannot hold an entry before it exists).
    await ctx.audit.record(body.id, { kind: 'admin', admin }, 'org.create', `org:${body.id}`, { name: body.name, signup: rec.signup })
    ctx.log.warn({ by: admin.userId, org: body.id }, 'organisation created')
    reply.code(201)
    return info({ ...rec, domains: [] })
  })

  app.get('/v1/orgs/:org', async (req): Promise<OrganisationInfo> => {
    const admin = await requirePermission(ctx, req, 'org.read')
    return info(await scopedOrg(ctx, admin, orgParam(req.params), 'org.read'))
  })

  // DNS verification is not built: the operator checks the domain out of band and records it.
  app.post('/v1/orgs/:org/domains', async (req) => {
    const admin = await requirePermission(ctx, req, 'domains.add')
    const org = orgParam(req.params)
    const { domain } = parseBody(addDomainRequest, req.body)
    const current = await ctx.store.getOrganisation(org)
    if (!current) throw new CandorError('not_found', 'no such organisation')
    if (!current.domains.includes(domain) && (await ctx.store.organisationOfDomain(domain)) === null) {
      await ctx.audit.record(org, { kind: 'admin', admin }, 'domain.add', `org:${org}`, { domain })
    }
    const r = await ctx.store.addDomain(org, domain, Date.now())
    if (r === 'no_org') throw new CandorError('not_found', 'no such organisation')
    if (r === 'taken') throw new CandorError('conflict', `${domain} is a verified domain of another organisation`)
    if (r === 'added') ctx.log.warn({ by: admin.userId, org, domain }, 'domain recorded as verified')
    // People who signed up with the domain elsewhere before stay where they are; their directory
    // entries name that organisation, so nobody takes them for this one's.
    const elsewhere = await ctx.store.countDomainUsersElsewhere(domain, org)
    return { organisation: info((await ctx.store.getOrganisation(org))!), elsewhere }
  })

  app.post('/v1/orgs/:org/signup', async (req): Promise<OrganisationInfo> => {
    const admin = await requirePermission(ctx, req, 'signup.set')
    const org = orgParam(req.params)
    const { signup } = parseBody(setSignupRequest, req.body)
    await scopedOrg(ctx, admin, org, 'signup.set')
    await ctx.audit.record(org, { kind: 'admin', admin }, 'signup.set', `org:${org}`, { signup })
    await ctx.store.setSignup(org, signup)
    ctx.log.warn({ by: admin.userId, org, signup }, 'organisation sign-up set')
    return info((await ctx.store.getOrganisation(org))!)
  })

  app.get('/v1/orgs/:org/members', async (req): Promise<OrganisationMembers> => {
    const admin = await requirePermission(ctx, req, 'members.list')
    const org = orgParam(req.params)
    const q = (req.query ?? {}) as Record<string, unknown>
    const after: UserId | null = q['after'] === undefined ? null : parseUserId(q['after'], 'after')
    await scopedOrg(ctx, admin, org, 'members.list')
    const page = await ctx.store.listMembers(org, after, MEMBERS_PAGE)
    const roles = new Map((await ctx.store.listAdmins()).map((a) => [a.userId, a.role]))
    return {
      members: page.map((m) => ({ userId: m.userId, guest: m.guest, role: roles.get(m.userId) ?? null })),
      next: page.length === MEMBERS_PAGE ? page[page.length - 1]!.userId : null,
    }
  })
}
