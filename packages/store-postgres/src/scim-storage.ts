// SCIM provisioning on PostgreSQL (ports/scim-store.ts): tokens (digests only), provisioned people
// (one row per user id; a deleted person whose account exists keeps a hidden row so only the same
// externalId may come back), groups and their members, and the digests that let an organisation
// bring back an erased person under the same externalId. Two provisionings of one user id or
// externalId at once: the unique indexes decide, and the loser is answered as if it came second.
import { erasedUserIdDigest, scimReturnDigest, type GroupId, type OrgId, type UserId } from '@candor/protocol'
import type {
  DirectoryLinkRecord,
  IfVersion,
  NewScimGroup,
  NewScimUser,
  ScimGroupChange,
  ScimGroupRecord,
  ScimPage,
  ScimTokenRecord,
  ScimUserChange,
  ScimUserCreation,
  ScimUserRecord,
} from '@candor/ports'
import { sqlState, transaction, type Db, type Sql, type Tx } from './connection.ts'

interface TokenRow {
  token_id: string
  org_id: string
  digest: string
  created_by: string
  created_at: number
  revoked_at: number | null
}
interface UserRow {
  scim_id: string
  org_id: string
  user_id: string
  external_id: string | null
  active: boolean
  attributes: string
  version: number
  created_at: number
  updated_at: number
  rejoin: boolean
  deleted: boolean
}
interface GroupRow {
  scim_id: string
  org_id: string
  display_name: string
  external_id: string | null
  version: number
  created_at: number
  updated_at: number
}

const toToken = (r: TokenRow): ScimTokenRecord => ({ id: r.token_id, org: r.org_id as OrgId, digest: r.digest, createdBy: r.created_by as UserId, createdAt: r.created_at, revokedAt: r.revoked_at })
const toUser = (r: UserRow): ScimUserRecord => ({
  id: r.scim_id,
  org: r.org_id as OrgId,
  userId: r.user_id as UserId,
  externalId: r.external_id,
  active: r.active,
  attributes: r.attributes,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  rejoin: r.rejoin,
})

/** Runs fn again when a unique index refused its insert (another call won the race); the rerun sees the winner. */
async function raced<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt >= 3 || sqlState(e) !== '23505') throw e
    }
  }
}

export async function createScimToken(sql: Sql, t: ScimTokenRecord): Promise<void> {
  await sql`INSERT INTO scim_tokens (token_id, org_id, digest, created_by, created_at, revoked_at) VALUES (${t.id}, ${t.org}, ${t.digest}, ${t.createdBy}, ${t.createdAt}, ${t.revokedAt})`
}

export async function scimTokenByDigest(sql: Sql, digest: string): Promise<ScimTokenRecord | null> {
  const [r] = await sql<TokenRow[]>`SELECT * FROM scim_tokens WHERE digest = ${digest}`
  return r ? toToken(r) : null
}

export async function listScimTokens(sql: Sql, org: OrgId): Promise<ScimTokenRecord[]> {
  return (await sql<TokenRow[]>`SELECT * FROM scim_tokens WHERE org_id = ${org} ORDER BY created_at, token_id`).map(toToken)
}

export async function revokeScimToken(sql: Sql, org: OrgId, id: string, at: number): Promise<boolean> {
  return (await sql`UPDATE scim_tokens SET revoked_at = ${at} WHERE token_id = ${id} AND org_id = ${org} AND revoked_at IS NULL RETURNING 1`).length === 1
}

async function liveRow(db: Db, org: OrgId, id: string, lock = false): Promise<UserRow | undefined> {
  const [r] = lock
    ? await db<UserRow[]>`SELECT * FROM scim_users WHERE scim_id = ${id} AND org_id = ${org} AND NOT deleted FOR UPDATE`
    : await db<UserRow[]>`SELECT * FROM scim_users WHERE scim_id = ${id} AND org_id = ${org} AND NOT deleted`
  return r
}

export function createScimUser(sql: Sql, u: NewScimUser): Promise<ScimUserCreation> {
  return raced(() =>
    transaction(sql, async (tx): Promise<ScimUserCreation> => {
      // The account row (when there is one) is locked, so an erasure of it waits or went first.
      const [account] = await tx<{ org_id: string; guest: boolean }[]>`SELECT org_id, guest FROM users WHERE user_id = ${u.userId} FOR SHARE`
      const [held] = await tx<UserRow[]>`SELECT * FROM scim_users WHERE user_id = ${u.userId} FOR UPDATE`
      if (held && !held.deleted) return 'user_name_taken'
      if (u.externalId !== null && (await tx`SELECT 1 FROM scim_users WHERE org_id = ${u.org} AND external_id = ${u.externalId} AND NOT deleted`).length > 0) return 'external_id_taken'
      if (account) {
        if (account.org_id !== u.org || account.guest) return 'user_name_taken'
        if (held && held.external_id !== null && held.external_id !== u.externalId) return 'user_name_taken'
      } else if ((await tx`SELECT 1 FROM erased_user_ids WHERE digest = ${erasedUserIdDigest(u.userId)}`).length > 0) {
        if (u.externalId === null || (await tx`SELECT 1 FROM scim_returning WHERE digest = ${scimReturnDigest(u.org, u.userId, u.externalId)}`).length === 0) return 'reserved'
      }
      if (held) await tx`DELETE FROM scim_users WHERE scim_id = ${held.scim_id}`
      // A linked account none of whose devices is active (deprovisioned, then deleted) may register a device again.
      const rejoin = account !== undefined && u.active && (await tx`SELECT 1 FROM devices WHERE user_id = ${u.userId} AND status = 'active'`).length === 0
      await tx`
        INSERT INTO scim_users (scim_id, org_id, user_id, external_id, active, attributes, version, created_at, updated_at, rejoin, deleted)
        VALUES (${u.id}, ${u.org}, ${u.userId}, ${u.externalId}, ${u.active}, ${u.attributes}, 1, ${u.createdAt}, ${u.createdAt}, ${rejoin}, false)`
      return 'created'
    }),
  )
}

export async function getScimUser(sql: Sql, org: OrgId, id: string): Promise<ScimUserRecord | null> {
  const r = await liveRow(sql, org, id)
  return r ? toUser(r) : null
}

export async function scimUserOf(sql: Sql, userId: UserId): Promise<ScimUserRecord | null> {
  const [r] = await sql<UserRow[]>`SELECT * FROM scim_users WHERE user_id = ${userId} AND NOT deleted`
  return r ? toUser(r) : null
}

export async function listScimUsers(sql: Sql, org: OrgId, where: { userId?: UserId; externalId?: string }, offset: number, limit: number): Promise<ScimPage<ScimUserRecord>> {
  const byUser = where.userId === undefined ? sql`` : sql`AND user_id = ${where.userId}`
  const byExternal = where.externalId === undefined ? sql`` : sql`AND external_id = ${where.externalId}`
  const [{ n }] = (await sql<{ n: number }[]>`SELECT COUNT(*)::int AS n FROM scim_users WHERE org_id = ${org} AND NOT deleted ${byUser} ${byExternal}`) as unknown as [{ n: number }]
  const rows = await sql<UserRow[]>`SELECT * FROM scim_users WHERE org_id = ${org} AND NOT deleted ${byUser} ${byExternal} ORDER BY created_at, scim_id LIMIT ${limit} OFFSET ${offset}`
  return { total: n, items: rows.map(toUser) }
}

export function updateScimUser(sql: Sql, org: OrgId, id: string, c: ScimUserChange, ifVersion: IfVersion): Promise<ScimUserRecord | 'not_found' | 'version_mismatch' | 'external_id_taken'> {
  return raced(() =>
    transaction(sql, async (tx) => {
      const r = await liveRow(tx, org, id, true)
      if (!r) return 'not_found' as const
      if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
      if (c.externalId !== null && (await tx`SELECT 1 FROM scim_users WHERE org_id = ${org} AND external_id = ${c.externalId} AND NOT deleted AND scim_id <> ${id}`).length > 0) return 'external_id_taken' as const
      const rejoin = c.active ? (!r.active ? true : r.rejoin) : false
      const [row] = await tx<UserRow[]>`
        UPDATE scim_users SET external_id = ${c.externalId}, active = ${c.active}, attributes = ${c.attributes}, version = version + 1, updated_at = ${c.at}, rejoin = ${rejoin}
        WHERE scim_id = ${id} RETURNING *`
      return toUser(row!)
    }),
  )
}

async function leaveGroups(tx: Tx, scimId: string, at: number): Promise<void> {
  await tx`UPDATE scim_groups SET version = version + 1, updated_at = ${at} WHERE scim_id IN (SELECT group_id FROM scim_group_members WHERE member_id = ${scimId})`
  await tx`DELETE FROM scim_group_members WHERE member_id = ${scimId}`
}

export function deleteScimUser(sql: Sql, org: OrgId, id: string, ifVersion: IfVersion, at: number): Promise<ScimUserRecord | 'not_found' | 'version_mismatch'> {
  return transaction(sql, async (tx) => {
    const r = await liveRow(tx, org, id, true)
    if (!r) return 'not_found' as const
    if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
    await leaveGroups(tx, id, at)
    if ((await tx`SELECT 1 FROM users WHERE user_id = ${r.user_id}`).length > 0) {
      await tx`UPDATE scim_users SET deleted = true, active = false, rejoin = false, attributes = '{}', updated_at = ${at} WHERE scim_id = ${id}`
    } else {
      await tx`DELETE FROM scim_users WHERE scim_id = ${id}`
    }
    return toUser(r)
  })
}

/** Inside the caller's transaction: whether the person may register a device again (the row is locked). */
export async function rejoining(tx: Tx, userId: UserId, org: string): Promise<boolean> {
  return (await tx`SELECT 1 FROM scim_users WHERE user_id = ${userId} AND org_id = ${org} AND NOT deleted AND active AND rejoin FOR UPDATE`).length > 0
}

export async function clearRejoin(tx: Tx, userId: UserId): Promise<void> {
  await tx`UPDATE scim_users SET rejoin = false WHERE user_id = ${userId}`
}

/** Inside createUser's transaction: whether this organisation provisioned (again) the person of a reserved id. */
export async function provisionedIn(tx: Tx, userId: UserId, org: string): Promise<boolean> {
  return (await tx`SELECT 1 FROM scim_users WHERE user_id = ${userId} AND org_id = ${org} AND NOT deleted AND active FOR SHARE`).length > 0
}

/** Inside eraseUser's transaction: the provisioning goes, leaving only a digest for the same person's return. */
export async function eraseScim(tx: Tx, userId: UserId, at: number): Promise<void> {
  const [r] = await tx<UserRow[]>`SELECT * FROM scim_users WHERE user_id = ${userId} FOR UPDATE`
  if (!r) return
  await leaveGroups(tx, r.scim_id, at)
  if (r.external_id !== null) await tx`INSERT INTO scim_returning (digest) VALUES (${scimReturnDigest(r.org_id, r.user_id, r.external_id)}) ON CONFLICT DO NOTHING`
  await tx`DELETE FROM scim_users WHERE scim_id = ${r.scim_id}`
}

// ---- groups ----
async function toGroup(db: Db, r: GroupRow): Promise<ScimGroupRecord> {
  const members = (await db<{ member_id: string }[]>`SELECT member_id FROM scim_group_members WHERE group_id = ${r.scim_id} ORDER BY member_id`).map((m) => m.member_id)
  return { id: r.scim_id, org: r.org_id as OrgId, displayName: r.display_name, externalId: r.external_id, members, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at }
}

/** Locks the members' rows, so none is deleted before the group's insert commits. */
async function membersKnown(tx: Tx, org: OrgId, members: readonly string[]): Promise<boolean> {
  const unique = [...new Set(members)]
  if (unique.length === 0) return true
  const found = await tx`SELECT 1 FROM scim_users WHERE scim_id = ANY(${tx.array(unique)}::text[]) AND org_id = ${org} AND NOT deleted FOR SHARE`
  return found.length === unique.length
}

async function setMembers(tx: Tx, id: string, members: readonly string[]): Promise<void> {
  await tx`DELETE FROM scim_group_members WHERE group_id = ${id}`
  for (const m of new Set(members)) await tx`INSERT INTO scim_group_members (group_id, member_id) VALUES (${id}, ${m})`
}

export function createScimGroup(sql: Sql, g: NewScimGroup): Promise<'created' | 'unknown_member'> {
  return transaction(sql, async (tx) => {
    if (!(await membersKnown(tx, g.org, g.members))) return 'unknown_member' as const
    await tx`INSERT INTO scim_groups (scim_id, org_id, display_name, external_id, version, created_at, updated_at) VALUES (${g.id}, ${g.org}, ${g.displayName}, ${g.externalId}, 1, ${g.createdAt}, ${g.createdAt})`
    await setMembers(tx, g.id, g.members)
    return 'created' as const
  })
}

export async function getScimGroup(sql: Sql, org: OrgId, id: string): Promise<ScimGroupRecord | null> {
  const [r] = await sql<GroupRow[]>`SELECT * FROM scim_groups WHERE scim_id = ${id} AND org_id = ${org}`
  return r ? toGroup(sql, r) : null
}

export async function listScimGroups(sql: Sql, org: OrgId, where: { displayName?: string; externalId?: string }, offset: number, limit: number): Promise<ScimPage<ScimGroupRecord>> {
  const byName = where.displayName === undefined ? sql`` : sql`AND display_name = ${where.displayName}`
  const byExternal = where.externalId === undefined ? sql`` : sql`AND external_id = ${where.externalId}`
  const [{ n }] = (await sql<{ n: number }[]>`SELECT COUNT(*)::int AS n FROM scim_groups WHERE org_id = ${org} ${byName} ${byExternal}`) as unknown as [{ n: number }]
  const rows = await sql<GroupRow[]>`SELECT * FROM scim_groups WHERE org_id = ${org} ${byName} ${byExternal} ORDER BY created_at, scim_id LIMIT ${limit} OFFSET ${offset}`
  return { total: n, items: await Promise.all(rows.map((r) => toGroup(sql, r))) }
}

export function updateScimGroup(sql: Sql, org: OrgId, id: string, c: ScimGroupChange, ifVersion: IfVersion): Promise<ScimGroupRecord | 'not_found' | 'version_mismatch' | 'unknown_member'> {
  return transaction(sql, async (tx) => {
    const [r] = await tx<GroupRow[]>`SELECT * FROM scim_groups WHERE scim_id = ${id} AND org_id = ${org} FOR UPDATE`
    if (!r) return 'not_found' as const
    if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
    if (!(await membersKnown(tx, org, c.members))) return 'unknown_member' as const
    const [row] = await tx<GroupRow[]>`UPDATE scim_groups SET display_name = ${c.displayName}, external_id = ${c.externalId}, version = version + 1, updated_at = ${c.at} WHERE scim_id = ${id} RETURNING *`
    await setMembers(tx, id, c.members)
    return toGroup(tx, row!)
  })
}

export function deleteScimGroup(sql: Sql, org: OrgId, id: string, ifVersion: IfVersion): Promise<ScimGroupRecord | 'not_found' | 'version_mismatch'> {
  return transaction(sql, async (tx) => {
    const [r] = await tx<GroupRow[]>`SELECT * FROM scim_groups WHERE scim_id = ${id} AND org_id = ${org} FOR UPDATE`
    if (!r) return 'not_found' as const
    if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
    const g = await toGroup(tx, r)
    await tx`DELETE FROM scim_group_members WHERE group_id = ${id}`
    await tx`DELETE FROM directory_links WHERE org_id = ${org} AND scim_group_id = ${id}`
    await tx`DELETE FROM scim_groups WHERE scim_id = ${id}`
    return g
  })
}

// ---- directory-linked conversations (docs/protocol.md §5.9) ----
interface LinkRow {
  group_id: string
  org_id: string
  scim_group_id: string
  linked_by: string
  linked_at: number
}
const toLink = (r: LinkRow): DirectoryLinkRecord => ({ groupId: r.group_id as GroupId, org: r.org_id as OrgId, scimGroupId: r.scim_group_id, linkedBy: r.linked_by as UserId, linkedAt: Number(r.linked_at) })

export function setDirectoryLink(sql: Sql, l: DirectoryLinkRecord): Promise<'linked' | 'unknown_group'> {
  return transaction(sql, async (tx) => {
    // Locked, so the SCIM group is not deleted before the link commits.
    const [g] = await tx`SELECT 1 FROM scim_groups WHERE scim_id = ${l.scimGroupId} AND org_id = ${l.org} FOR SHARE`
    if (!g) return 'unknown_group' as const
    await tx`INSERT INTO directory_links (group_id, org_id, scim_group_id, linked_by, linked_at) VALUES (${l.groupId}, ${l.org}, ${l.scimGroupId}, ${l.linkedBy}, ${l.linkedAt})
      ON CONFLICT (group_id) DO UPDATE SET org_id = excluded.org_id, scim_group_id = excluded.scim_group_id, linked_by = excluded.linked_by, linked_at = excluded.linked_at`
    return 'linked' as const
  })
}

export async function deleteDirectoryLink(sql: Sql, org: OrgId, groupId: GroupId): Promise<boolean> {
  return (await sql`DELETE FROM directory_links WHERE org_id = ${org} AND group_id = ${groupId}`).count > 0
}

export async function listDirectoryLinks(sql: Sql, org: OrgId): Promise<DirectoryLinkRecord[]> {
  return (await sql<LinkRow[]>`SELECT * FROM directory_links WHERE org_id = ${org} ORDER BY linked_at, group_id`).map(toLink)
}

export async function directoryLinkOf(sql: Sql, groupId: GroupId): Promise<DirectoryLinkRecord | null> {
  const [r] = await sql<LinkRow[]>`SELECT * FROM directory_links WHERE group_id = ${groupId}`
  return r ? toLink(r) : null
}

export async function linksOfScimGroup(sql: Sql, org: OrgId, scimGroupId: string): Promise<DirectoryLinkRecord[]> {
  return (await sql<LinkRow[]>`SELECT * FROM directory_links WHERE org_id = ${org} AND scim_group_id = ${scimGroupId} ORDER BY linked_at, group_id`).map(toLink)
}

export async function scimGroupsOfUser(sql: Sql, org: OrgId, scimUserId: string): Promise<ScimGroupRecord[]> {
  const rows = await sql<GroupRow[]>`SELECT g.* FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.scim_id WHERE g.org_id = ${org} AND m.member_id = ${scimUserId} ORDER BY g.created_at, g.scim_id`
  return Promise.all(rows.map((r) => toGroup(sql, r)))
}
