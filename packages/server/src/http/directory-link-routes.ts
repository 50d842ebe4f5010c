// Directory-linked conversations (docs/protocol.md §5.9): a member of a conversation who holds
// `conversations.link` in its organisation links it to one of the organisation's SCIM groups (or
// unlinks it); each act is written to the organisation's audit trail first. Members of the
// conversation read the link. Refusals change nothing and write nothing.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  CandorError,
  directoryLinkRequestSchema,
  parseGroupId,
  parseOrgId,
  type DirectoryLink,
  type GroupDirectoryLinkResponse,
  type GroupId,
  type OrgId,
} from '@candor/protocol'
import type { AdminRecord, DirectoryLinkRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { followNewLink, later } from '../organisations/directory-links/directory-members.ts'
import { parseBody, parseParam } from './parse.ts'

async function shown(ctx: AppContext, l: DirectoryLinkRecord): Promise<DirectoryLink> {
  const g = await ctx.store.getScimGroup(l.org, l.scimGroupId)
  return { groupId: l.groupId, scimGroupId: l.scimGroupId, displayName: g?.displayName ?? '', linkedBy: l.linkedBy, linkedAt: l.linkedAt } as DirectoryLink
}

export function directoryLinkRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** The caller, holding `conversations.link` in `:org` (else as if it did not exist), and the route's ids. */
  const linker = async (req: FastifyRequest): Promise<{ admin: AdminRecord; org: OrgId; groupId: GroupId }> => {
    const admin = await requirePermission(ctx, req, 'conversations.link')
    const org = parseParam(req.params, 'org', parseOrgId)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    await scopedOrg(ctx, admin, org, 'conversations.link')
    // The consent rule: the link is made by a member of the conversation (one of their active devices is on it).
    const group = await ctx.store.getGroup(groupId)
    const mine = new Set((await ctx.store.activeDevicesOf(admin.userId)) as string[])
    if (!group || !group.members.some((d) => mine.has(d))) throw new CandorError('not_found', 'no such conversation (you link only a conversation you are a member of)')
    return { admin, org, groupId }
  }

  app.put('/v1/orgs/:org/directory-links/:groupId', async (req): Promise<DirectoryLink> => {
    const { admin, org, groupId } = await linker(req)
    const { scimGroupId } = parseBody(directoryLinkRequestSchema, req.body)
    const group = await ctx.store.getScimGroup(org, scimGroupId)
    if (!group) throw new CandorError('not_found', 'no such SCIM group in this organisation')
    const existing = await ctx.store.directoryLinkOf(groupId)
    if (existing && existing.org !== org) throw new CandorError('conflict', 'the conversation follows a group of another organisation')
    const link: DirectoryLinkRecord = { org, groupId, scimGroupId, linkedBy: admin.userId, linkedAt: Date.now() }
    await ctx.audit.record(org, { kind: 'admin', admin }, 'directory.link', `group:${groupId}`, { scimGroupId, displayName: group.displayName })
    if ((await ctx.store.setDirectoryLink(link)) !== 'linked') throw new CandorError('not_found', 'no such SCIM group in this organisation')
    later(ctx, 'a new link', () => followNewLink(ctx, { kind: 'admin', admin }, link, group))
    return shown(ctx, link)
  })

  app.delete('/v1/orgs/:org/directory-links/:groupId', async (req) => {
    const { admin, org, groupId } = await linker(req)
    const existing = await ctx.store.directoryLinkOf(groupId)
    if (!existing || existing.org !== org) throw new CandorError('not_found', 'the conversation follows no SCIM group')
    await ctx.audit.record(org, { kind: 'admin', admin }, 'directory.unlink', `group:${groupId}`, { scimGroupId: existing.scimGroupId })
    await ctx.store.deleteDirectoryLink(org, groupId)
    return { unlinked: true }
  })

  app.get('/v1/orgs/:org/directory-links', async (req): Promise<{ links: DirectoryLink[] }> => {
    const admin = await requirePermission(ctx, req, 'conversations.link')
    const org = parseParam(req.params, 'org', parseOrgId)
    await scopedOrg(ctx, admin, org, 'conversations.link')
    return { links: await Promise.all((await ctx.store.listDirectoryLinks(org)).map((l) => shown(ctx, l))) }
  })

  app.get('/v1/groups/:groupId/directory-link', async (req): Promise<GroupDirectoryLinkResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    if (!group.members.includes(s.deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
    const link = await ctx.store.directoryLinkOf(groupId)
    const scim = link ? await ctx.store.getScimGroup(link.org, link.scimGroupId) : null
    return { link: link && scim ? { org: link.org, scimGroupId: link.scimGroupId, displayName: scim.displayName } : null }
  })
}
