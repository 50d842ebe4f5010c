// Membership follows the directory (docs/protocol.md §5.9): after SCIM changes a linked group's
// people, each conversation linked to it is told who to add (active people of the group with an
// active device and no leaf in its tree) and who to remove (people who left the group and still
// have a leaf). The audit entry `directory.members` is written first; the notice goes to the
// conversation's member devices, and the first member online makes the change by an ordinary
// commit (the server makes no Add proposal: only a member can make the Welcome).
import { loadPublicGroup, treeLeaves } from '@candor/crypto'
import { DIRECTORY_NOTICE_MAX, encodeNotice, type GroupId, type OrgId, type UserId } from '@candor/protocol'
import type { DirectoryLinkRecord, ScimGroupRecord } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'
import type { AuditActor } from '../audit/org-audit-log.ts'

/** The user ids of the people a conversation's tree holds now (its stored GroupInfo). */
async function treePeople(ctx: AppContext, groupId: GroupId): Promise<Set<string>> {
  const gi = await ctx.store.groupInfo(groupId)
  return new Set(gi ? treeLeaves(loadPublicGroup(gi).tree).map((l) => l.userId) : [])
}

/** The user ids of SCIM user ids of the organisation; `activeOnly`: only active people with an active device. */
async function userIdsOf(ctx: AppContext, org: OrgId, scimIds: readonly string[], activeOnly: boolean): Promise<UserId[]> {
  const out: UserId[] = []
  for (const id of scimIds) {
    const u = await ctx.store.getScimUser(org, id)
    if (!u) continue
    if (activeOnly && (!u.active || (await ctx.store.activeDevicesOf(u.userId)).length === 0)) continue
    out.push(u.userId)
  }
  return out
}

/** Who the conversation must gain and lose: `left` are user ids that left the group. */
async function differenceFor(ctx: AppContext, link: DirectoryLinkRecord, desired: readonly UserId[], left: readonly UserId[]): Promise<{ add: UserId[]; remove: UserId[] }> {
  const tree = await treePeople(ctx, link.groupId)
  const want = new Set(desired)
  return { add: desired.filter((u) => !tree.has(u)).sort(), remove: [...new Set(left)].filter((u) => tree.has(u) && !want.has(u)).sort() }
}

/** Sends the notice to the conversation's member devices (online now, on any node), in lists of at most DIRECTORY_NOTICE_MAX. */
async function tellMembers(ctx: AppContext, link: DirectoryLinkRecord, displayName: string, add: readonly UserId[], remove: readonly UserId[]): Promise<void> {
  const roster = (await ctx.roster.members(link.groupId))?.members
  if (!roster || roster.size === 0) return
  for (let i = 0; i < Math.max(add.length, remove.length); i += DIRECTORY_NOTICE_MAX) {
    const frame = encodeNotice({
      kind: 'directory_members',
      groupId: link.groupId,
      org: link.org,
      scimGroupId: link.scimGroupId,
      displayName,
      add: add.slice(i, i + DIRECTORY_NOTICE_MAX),
      remove: remove.slice(i, i + DIRECTORY_NOTICE_MAX),
    })
    await ctx.bus.publish([...roster].map((deviceId) => ({ deviceId, seq: 0, frame })))
  }
}

/**
 * After a change of the SCIM group `after` (null: it was deleted; `before` its members then, as
 * SCIM user ids): every conversation linked to it gets its difference, audited first. `links`
 * when the caller read them already (a deleted group's links are gone from the store).
 */
export async function followScimGroup(ctx: AppContext, actor: AuditActor, org: OrgId, scimGroupId: string, before: readonly string[], after: ScimGroupRecord | null, links?: readonly DirectoryLinkRecord[]): Promise<void> {
  const linked = links ?? (await ctx.store.linksOfScimGroup(org, scimGroupId))
  if (linked.length === 0) return
  const now = after?.members ?? []
  const desired = await userIdsOf(ctx, org, now, true)
  const kept = new Set(now)
  const left = await userIdsOf(ctx, org, before.filter((m) => !kept.has(m)), false)
  for (const link of linked) await followLink(ctx, actor, link, after?.displayName ?? '(deleted group)', desired, left)
}

/** One conversation's difference: audited (`directory.members`), then told to its members. */
export async function followLink(ctx: AppContext, actor: AuditActor, link: DirectoryLinkRecord, displayName: string, desired: readonly UserId[], left: readonly UserId[]): Promise<void> {
  const { add, remove } = await differenceFor(ctx, link, desired, left)
  if (add.length === 0 && remove.length === 0) return
  await ctx.audit.record(link.org, actor, 'directory.members', `group:${link.groupId}`, { scimGroupId: link.scimGroupId, add, remove })
  await tellMembers(ctx, link, displayName, add, remove)
}

/** A just-made link: the group's people not yet in the conversation are to be added. */
export async function followNewLink(ctx: AppContext, actor: AuditActor, link: DirectoryLinkRecord, group: ScimGroupRecord): Promise<void> {
  await followLink(ctx, actor, link, group.displayName, await userIdsOf(ctx, link.org, group.members, true), [])
}

/**
 * A provisioned person changed (deactivated, reactivated, deleted): each linked SCIM group they
 * are in follows. `groups` read before the change when it takes them out of their groups (DELETE).
 */
export async function followPerson(ctx: AppContext, actor: AuditActor, org: OrgId, scimUserId: string, groups?: readonly ScimGroupRecord[], gone = false): Promise<void> {
  for (const g of groups ?? (await ctx.store.scimGroupsOfUser(org, scimUserId))) {
    const after = gone ? { ...g, members: g.members.filter((m) => m !== scimUserId) } : g
    await followScimGroup(ctx, actor, org, g.id, g.members, after)
  }
}

/** In the background, its failure logged (the SCIM call has taken effect; the next change sends the difference again). */
export function later(ctx: AppContext, what: string, f: () => Promise<void>): void {
  f().catch((err: unknown) => ctx.log.error({ err }, `directory-linked conversations: ${what} failed`))
}
