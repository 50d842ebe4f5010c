// SCIM 2.0 provisioning at /scim/v2 (RFC 7643, RFC 7644; docs/organisations.md §SCIM): Users and
// Groups of the organisation whose bearer token the identity provider sends, discovery, filters,
// paging, PATCH, ETags and SCIM error responses (`application/scim+json`). A token reaches its own
// organisation only: another organisation's resources are answered as ones that do not exist.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { userIdDomain, type OrgId } from '@candor/protocol'
import type { ScimGroupRecord, ScimPage, ScimUserRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { scimOrganisation } from '../organisations/scim/scim-auth.ts'
import { SCIM_CONTENT_TYPE, ScimError, scimErrorBody, toScimError } from '../organisations/scim/scim-errors.ts'
import { etag, ifMatch, newScimResourceId, parseScimResourceId } from '../organisations/scim/scim-ids.ts'
import { applyPatch, listResponse, paging, type Json } from '../organisations/scim/scim-resource.ts'
import { groupQuery, userQuery, type Query } from '../organisations/scim/scim-filter.ts'
import { parseUser, userLocation, userResource, type UserInput } from '../organisations/scim/scim-users.ts'
import { groupResource, parseGroup } from '../organisations/scim/scim-groups.ts'
import { MAX_RESULTS, listOf, resourceTypes, schemas, serviceProviderConfig } from '../organisations/scim/scim-discovery.ts'
import { deprovision } from '../organisations/scim/deprovision.ts'
import { followPerson, followScimGroup, later } from '../organisations/directory-links/directory-members.ts'
import type { AuditActor } from '../organisations/audit/org-audit-log.ts'

import { errorBody, toCandorError } from '../errors.ts'

const base = (req: FastifyRequest) => `${req.protocol}://${req.host}`
const query = (req: FastifyRequest) => (req.query ?? {}) as Json
const idParam = (req: FastifyRequest, what: string) => parseScimResourceId((req.params as Json)['id'], what)

function send(reply: FastifyReply, status: number, body: Json, version?: number): Json {
  void reply.code(status).type(SCIM_CONTENT_TYPE)
  if (version !== undefined) void reply.header('etag', etag(version))
  return body
}

/** The If-Match version; a header that can match no version is 412 at once. */
function expected(req: FastifyRequest): number | null {
  const v = ifMatch(req.headers['if-match'])
  if (v === 'never') throw new ScimError(412, 'the resource has changed (If-Match does not match its version)')
  return v
}

const mismatch = () => new ScimError(412, 'the resource has changed (If-Match does not match its version)')

/** Resources matching a filter the store cannot answer: the organisation's resources, filtered here. */
async function scan<T>(page: (offset: number, limit: number) => Promise<ScimPage<T>>, toJson: (t: T) => Json, test: (r: object) => boolean): Promise<Json[]> {
  const out: Json[] = []
  for (let offset = 0; ; offset += MAX_RESULTS) {
    const p = await page(offset, MAX_RESULTS)
    for (const item of p.items) {
      const j = toJson(item)
      if (test(j)) out.push(j)
    }
    if (p.items.length < MAX_RESULTS) return out
  }
}

async function list<W, T>(req: FastifyRequest, q: Query<W>, page: (where: W | Record<string, never>, offset: number, limit: number) => Promise<ScimPage<T>>, toJson: (t: T) => Json): Promise<Json> {
  const { offset, count } = paging(query(req), MAX_RESULTS)
  if (q.kind === 'none') return listResponse(0, offset, [])
  if (q.kind === 'where') {
    const p = await page(q.where, offset, count)
    return listResponse(p.total, offset, p.items.map(toJson))
  }
  const all = await scan((o, l) => page({}, o, l), toJson, q.test)
  return listResponse(all.length, offset, all.slice(offset, offset + count))
}

export function scimRoutes(app: FastifyInstance, ctx: AppContext): void {
  void app.register(
    async (scim) => {
      scim.addContentTypeParser('application/scim+json', { parseAs: 'string' }, scim.getDefaultJsonParser('error', 'error'))
      scim.setErrorHandler((err, _req, reply) => {
        const e = toScimError(err)
        if (!e) {
          // Unexpected: logged, answered as an internal error without details.
          const c = toCandorError(err, ctx.log)
          void reply.code(c.status).type(SCIM_CONTENT_TYPE).send(scimErrorBody(new ScimError(c.status, errorBody(c).error.message)))
          return
        }
        ctx.metrics.rejected.inc({ code: `scim_${e.status}` })
        const wait = (err as { details?: { retryAfterMs?: unknown } }).details?.retryAfterMs
        if (typeof wait === 'number') void reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))))
        void reply.code(e.status).type(SCIM_CONTENT_TYPE).send(scimErrorBody(e))
      })
      scim.setNotFoundHandler((_req, reply) => {
        void reply.code(404).type(SCIM_CONTENT_TYPE).send(scimErrorBody(new ScimError(404, 'no such SCIM endpoint')))
      })

      // ---- discovery (RFC 7644 §4): behind the token too ----
      scim.get('/ServiceProviderConfig', async (req, reply) => {
        await scimOrganisation(ctx, req)
        return send(reply, 200, serviceProviderConfig(base(req)))
      })
      scim.get('/ResourceTypes', async (req, reply) => {
        await scimOrganisation(ctx, req)
        return send(reply, 200, listOf(resourceTypes(base(req))))
      })
      scim.get('/ResourceTypes/:id', async (req, reply) => {
        await scimOrganisation(ctx, req)
        const t = resourceTypes(base(req)).find((r) => r['id'] === (req.params as Json)['id'])
        if (!t) throw new ScimError(404, 'no such resource type')
        return send(reply, 200, t)
      })
      scim.get('/Schemas', async (req, reply) => {
        await scimOrganisation(ctx, req)
        return send(reply, 200, listOf(schemas(base(req))))
      })
      scim.get('/Schemas/:id', async (req, reply) => {
        await scimOrganisation(ctx, req)
        const s = schemas(base(req)).find((r) => r['id'] === (req.params as Json)['id'])
        if (!s) throw new ScimError(404, 'no such schema')
        return send(reply, 200, s)
      })

      // ---- Users ----
      const userOf = async (org: OrgId, req: FastifyRequest): Promise<ScimUserRecord> => {
        const u = await ctx.store.getScimUser(org, idParam(req, 'User'))
        if (!u) throw new ScimError(404, 'no such User')
        return u
      }
      const checkDomain = async (org: OrgId, input: UserInput) => {
        const domain = userIdDomain(input.userId)
        const owner = domain === null ? null : await ctx.store.organisationOfDomain(domain)
        if (owner !== null && owner !== org) throw new ScimError(400, `${domain} is a verified domain of another organisation`, 'invalidValue')
      }
      /** Stores the change (version-checked) and, for an inactive result, deprovisions the person. */
      const change = async (org: OrgId, actor: AuditActor, current: ScimUserRecord, input: UserInput, version: number | null): Promise<ScimUserRecord> => {
        if (input.userId !== current.userId) throw new ScimError(400, 'userName is the person’s Candor user id and never changes', 'mutability')
        const r = await ctx.store.updateScimUser(org, current.id, { externalId: input.externalId, active: input.active, attributes: input.attributes, at: Date.now() }, version)
        if (r === 'not_found') throw new ScimError(404, 'no such User')
        if (r === 'version_mismatch') throw mismatch()
        if (r === 'external_id_taken') throw new ScimError(409, 'another person of the organisation has this externalId', 'uniqueness')
        if (!r.active) await deprovision(ctx, r.userId, org, { actor, action: 'scim.deprovision' })
        // Conversations linked to their groups follow (docs/protocol.md §5.9): out when deactivated, in when back with a device.
        if (r.active !== current.active) later(ctx, 'a person changed', () => followPerson(ctx, actor, org, r.id, undefined, !r.active))
        return r
      }

      scim.get('/Users', async (req, reply) => {
        const { org } = await scimOrganisation(ctx, req)
        const b = base(req)
        return send(reply, 200, await list(req, userQuery(query(req)['filter']), (where, o, l) => ctx.store.listScimUsers(org, where, o, l), (u) => userResource(u, b)))
      })

      scim.post('/Users', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const input = parseUser(req.body)
        await checkDomain(org, input)
        const rec = { id: newScimResourceId(), org, userId: input.userId, externalId: input.externalId, active: input.active, attributes: input.attributes, createdAt: Date.now() }
        const r = await ctx.store.createScimUser(rec)
        if (r === 'user_name_taken') throw new ScimError(409, `the userName ${input.userId} is taken`, 'uniqueness')
        if (r === 'external_id_taken') throw new ScimError(409, 'another person of the organisation has this externalId', 'uniqueness')
        if (r === 'reserved') throw new ScimError(409, `${input.userId} belonged to an erased account: only the same person (the externalId they had) may be provisioned under it`, 'uniqueness')
        // An existing member linked as inactive is deprovisioned like any other.
        if (!input.active) await deprovision(ctx, input.userId, org, { actor, action: 'scim.deprovision' })
        const u = (await ctx.store.getScimUser(org, rec.id))!
        ctx.log.info({ org, userId: u.userId }, 'person provisioned over SCIM')
        void reply.header('location', userLocation(base(req), u.id))
        return send(reply, 201, userResource(u, base(req)), u.version)
      })

      scim.get('/Users/:id', async (req, reply) => {
        const { org } = await scimOrganisation(ctx, req)
        const u = await userOf(org, req)
        if (ifMatch(req.headers['if-none-match']) === u.version) return send(reply, 304, {}, u.version)
        return send(reply, 200, userResource(u, base(req)), u.version)
      })

      scim.put('/Users/:id', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const version = expected(req)
        const current = await userOf(org, req)
        const input = parseUser(req.body)
        const u = await change(org, actor, current, input, version)
        return send(reply, 200, userResource(u, base(req)), u.version)
      })

      scim.patch('/Users/:id', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const version = expected(req)
        // Applied to the version read; a change in between is retried on the new one (unless If-Match pinned it).
        for (let attempt = 1; ; attempt++) {
          const current = await userOf(org, req)
          if (version !== null && version !== current.version) throw mismatch()
          const patched = applyPatch(userResource(current, base(req)), req.body)
          if (patched['id'] !== current.id) throw new ScimError(400, 'id is assigned by the server and never changes', 'mutability')
          try {
            const u = await change(org, actor, current, parseUser(patched), current.version)
            return send(reply, 200, userResource(u, base(req)), u.version)
          } catch (e) {
            if (!(e instanceof ScimError && e.status === 412 && version === null && attempt < 3)) throw e
          }
        }
      })

      scim.delete('/Users/:id', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const version = expected(req)
        const id = idParam(req, 'User')
        // Read before: the deletion takes the person out of their groups.
        const groups = await ctx.store.scimGroupsOfUser(org, id)
        const r = await ctx.store.deleteScimUser(org, id, version)
        if (r === 'not_found') throw new ScimError(404, 'no such User')
        if (r === 'version_mismatch') throw mismatch()
        await deprovision(ctx, r.userId, org, { actor, action: 'scim.deprovision' })
        later(ctx, 'a person deleted', () => followPerson(ctx, actor, org, id, groups, true))
        ctx.log.info({ org, userId: r.userId }, 'person deleted over SCIM')
        void reply.code(204)
        return reply.send()
      })

      // ---- Groups ----
      const groupOf = async (org: OrgId, req: FastifyRequest): Promise<ScimGroupRecord> => {
        const g = await ctx.store.getScimGroup(org, idParam(req, 'Group'))
        if (!g) throw new ScimError(404, 'no such Group')
        return g
      }
      const unknownMember = () => new ScimError(400, 'each member must be a User of this organisation', 'invalidValue')

      scim.get('/Groups', async (req, reply) => {
        const { org } = await scimOrganisation(ctx, req)
        const b = base(req)
        return send(reply, 200, await list(req, groupQuery(query(req)['filter']), (where, o, l) => ctx.store.listScimGroups(org, where, o, l), (g) => groupResource(g, b)))
      })

      scim.post('/Groups', async (req, reply) => {
        const { org } = await scimOrganisation(ctx, req)
        const input = parseGroup(req.body)
        const id = newScimResourceId()
        if ((await ctx.store.createScimGroup({ id, org, ...input, createdAt: Date.now() })) === 'unknown_member') throw unknownMember()
        const g = (await ctx.store.getScimGroup(org, id))!
        void reply.header('location', `${base(req)}/scim/v2/Groups/${id}`)
        return send(reply, 201, groupResource(g, base(req)), g.version)
      })

      scim.get('/Groups/:id', async (req, reply) => {
        const { org } = await scimOrganisation(ctx, req)
        const g = await groupOf(org, req)
        if (ifMatch(req.headers['if-none-match']) === g.version) return send(reply, 304, {}, g.version)
        return send(reply, 200, groupResource(g, base(req)), g.version)
      })

      const replaceGroup = async (org: OrgId, actor: AuditActor, before: ScimGroupRecord, body: unknown, version: number | null): Promise<ScimGroupRecord> => {
        const input = parseGroup(body)
        const r = await ctx.store.updateScimGroup(org, before.id, { ...input, at: Date.now() }, version)
        if (r === 'not_found') throw new ScimError(404, 'no such Group')
        if (r === 'version_mismatch') throw mismatch()
        if (r === 'unknown_member') throw unknownMember()
        // Conversations linked to it follow (docs/protocol.md §5.9): audited, then their members told.
        later(ctx, 'a group changed', () => followScimGroup(ctx, actor, org, r.id, before.members, r))
        return r
      }

      scim.put('/Groups/:id', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const version = expected(req)
        const g = await replaceGroup(org, actor, await groupOf(org, req), req.body, version)
        return send(reply, 200, groupResource(g, base(req)), g.version)
      })

      scim.patch('/Groups/:id', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const version = expected(req)
        for (let attempt = 1; ; attempt++) {
          const current = await groupOf(org, req)
          if (version !== null && version !== current.version) throw mismatch()
          const patched = applyPatch(groupResource(current, base(req)), req.body)
          if (patched['id'] !== current.id) throw new ScimError(400, 'id is assigned by the server and never changes', 'mutability')
          try {
            const g = await replaceGroup(org, actor, current, patched, current.version)
            return send(reply, 200, groupResource(g, base(req)), g.version)
          } catch (e) {
            if (!(e instanceof ScimError && e.status === 412 && version === null && attempt < 3)) throw e
          }
        }
      })

      scim.delete('/Groups/:id', async (req, reply) => {
        const { org, actor } = await scimOrganisation(ctx, req)
        const version = expected(req)
        const id = idParam(req, 'Group')
        // Its links end with it (docs/protocol.md §5.9): each written to the audit trail first; nobody is removed.
        const current = await ctx.store.getScimGroup(org, id)
        if (current && (version === null || version === current.version)) {
          for (const l of await ctx.store.linksOfScimGroup(org, id)) await ctx.audit.record(org, actor, 'directory.unlink', `group:${l.groupId}`, { scimGroupId: id, reason: 'scim_group_deleted' })
        }
        const r = await ctx.store.deleteScimGroup(org, id, version)
        if (r === 'not_found') throw new ScimError(404, 'no such Group')
        if (r === 'version_mismatch') throw mismatch()
        void reply.code(204)
        return reply.send()
      })
    },
    { prefix: '/scim/v2' },
  )
}
