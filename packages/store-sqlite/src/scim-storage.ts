// SCIM provisioning on SQLite (ports/scim-store.ts): tokens (digests only), provisioned people
// (one row per user id; a deleted person whose account exists keeps a hidden row so only the same
// externalId may come back), groups and their members, and the digests that let an organisation
// bring back an erased person under the same externalId.
import type Database from 'better-sqlite3'
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
  active: number
  attributes: string
  version: number
  created_at: number
  updated_at: number
  rejoin: number
  deleted: number
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
  active: r.active === 1,
  attributes: r.attributes,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  rejoin: r.rejoin === 1,
})

export class SqliteScim {
  readonly #db: Database.Database
  /** Asked on every sign-up and sign-in (provisioned-sign-up.ts), so prepared once. */
  readonly #userOf

  constructor(db: Database.Database) {
    this.#db = db
    this.#userOf = db.prepare('SELECT * FROM scim_users WHERE user_id = ? AND deleted = 0')
  }

  #row(org: OrgId, id: string): UserRow | undefined {
    return this.#db.prepare('SELECT * FROM scim_users WHERE scim_id = ? AND org_id = ? AND deleted = 0').get(id, org) as UserRow | undefined
  }

  createToken(t: ScimTokenRecord): void {
    this.#db.prepare('INSERT INTO scim_tokens (token_id, org_id, digest, created_by, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)').run(t.id, t.org, t.digest, t.createdBy, t.createdAt, t.revokedAt)
  }

  tokenByDigest(digest: string): ScimTokenRecord | null {
    const r = this.#db.prepare('SELECT * FROM scim_tokens WHERE digest = ?').get(digest) as TokenRow | undefined
    return r ? toToken(r) : null
  }

  listTokens(org: OrgId): ScimTokenRecord[] {
    return (this.#db.prepare('SELECT * FROM scim_tokens WHERE org_id = ? ORDER BY created_at, token_id').all(org) as TokenRow[]).map(toToken)
  }

  revokeToken(org: OrgId, id: string, at: number): boolean {
    return this.#db.prepare('UPDATE scim_tokens SET revoked_at = ? WHERE token_id = ? AND org_id = ? AND revoked_at IS NULL').run(at, id, org).changes === 1
  }

  createUser(u: NewScimUser): ScimUserCreation {
    return this.#db.transaction((): ScimUserCreation => {
      const held = this.#db.prepare('SELECT * FROM scim_users WHERE user_id = ?').get(u.userId) as UserRow | undefined
      if (held && held.deleted === 0) return 'user_name_taken'
      if (u.externalId !== null && this.#db.prepare('SELECT 1 FROM scim_users WHERE org_id = ? AND external_id = ? AND deleted = 0').get(u.org, u.externalId)) return 'external_id_taken'
      const account = this.#db.prepare('SELECT org_id, guest FROM users WHERE user_id = ?').get(u.userId) as { org_id: string; guest: number } | undefined
      if (account) {
        if (account.org_id !== u.org || account.guest === 1) return 'user_name_taken'
        // A hidden row of a deleted person: only the same person (externalId) comes back.
        if (held && held.external_id !== null && held.external_id !== u.externalId) return 'user_name_taken'
      } else if (this.#db.prepare('SELECT 1 FROM erased_user_ids WHERE digest = ?').get(erasedUserIdDigest(u.userId))) {
        if (u.externalId === null || !this.#db.prepare('SELECT 1 FROM scim_returning WHERE digest = ?').get(scimReturnDigest(u.org, u.userId, u.externalId))) return 'reserved'
      }
      if (held) this.#db.prepare('DELETE FROM scim_users WHERE scim_id = ?').run(held.scim_id)
      // A linked account none of whose devices is active (deprovisioned, then deleted) may register a device again.
      const rejoin = account !== undefined && u.active && !this.#db.prepare("SELECT 1 FROM devices WHERE user_id = ? AND status = 'active'").get(u.userId)
      this.#db
        .prepare('INSERT INTO scim_users (scim_id, org_id, user_id, external_id, active, attributes, version, created_at, updated_at, rejoin, deleted) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 0)')
        .run(u.id, u.org, u.userId, u.externalId, u.active ? 1 : 0, u.attributes, u.createdAt, u.createdAt, rejoin ? 1 : 0)
      return 'created'
    }).immediate()
  }

  getUser(org: OrgId, id: string): ScimUserRecord | null {
    const r = this.#row(org, id)
    return r ? toUser(r) : null
  }

  userOf(userId: UserId): ScimUserRecord | null {
    const r = this.#userOf.get(userId) as UserRow | undefined
    return r ? toUser(r) : null
  }

  listUsers(org: OrgId, where: { userId?: UserId; externalId?: string }, offset: number, limit: number): ScimPage<ScimUserRecord> {
    let cond = 'org_id = ? AND deleted = 0'
    const args: unknown[] = [org]
    if (where.userId !== undefined) (cond += ' AND user_id = ?'), args.push(where.userId)
    if (where.externalId !== undefined) (cond += ' AND external_id = ?'), args.push(where.externalId)
    const total = this.#db.prepare(`SELECT COUNT(*) FROM scim_users WHERE ${cond}`).pluck().get(...args) as number
    const rows = this.#db.prepare(`SELECT * FROM scim_users WHERE ${cond} ORDER BY created_at, scim_id LIMIT ? OFFSET ?`).all(...args, limit, offset) as UserRow[]
    return { total, items: rows.map(toUser) }
  }

  updateUser(org: OrgId, id: string, c: ScimUserChange, ifVersion: IfVersion): ScimUserRecord | 'not_found' | 'version_mismatch' | 'external_id_taken' {
    return this.#db.transaction(() => {
      const r = this.#row(org, id)
      if (!r) return 'not_found' as const
      if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
      if (c.externalId !== null && this.#db.prepare('SELECT 1 FROM scim_users WHERE org_id = ? AND external_id = ? AND deleted = 0 AND scim_id <> ?').get(org, c.externalId, id)) return 'external_id_taken' as const
      const rejoin = c.active ? (r.active === 0 ? 1 : r.rejoin) : 0
      this.#db
        .prepare('UPDATE scim_users SET external_id = ?, active = ?, attributes = ?, version = version + 1, updated_at = ?, rejoin = ? WHERE scim_id = ?')
        .run(c.externalId, c.active ? 1 : 0, c.attributes, c.at, rejoin, id)
      return toUser(this.#row(org, id)!)
    }).immediate()
  }

  #leaveGroups(scimId: string, at: number): void {
    this.#db.prepare('UPDATE scim_groups SET version = version + 1, updated_at = ? WHERE scim_id IN (SELECT group_id FROM scim_group_members WHERE member_id = ?)').run(at, scimId)
    this.#db.prepare('DELETE FROM scim_group_members WHERE member_id = ?').run(scimId)
  }

  deleteUser(org: OrgId, id: string, ifVersion: IfVersion, at: number): ScimUserRecord | 'not_found' | 'version_mismatch' {
    return this.#db.transaction(() => {
      const r = this.#row(org, id)
      if (!r) return 'not_found' as const
      if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
      this.#leaveGroups(id, at)
      if (this.#db.prepare('SELECT 1 FROM users WHERE user_id = ?').get(r.user_id)) {
        this.#db.prepare("UPDATE scim_users SET deleted = 1, active = 0, rejoin = 0, attributes = '{}', updated_at = ? WHERE scim_id = ?").run(at, id)
      } else {
        this.#db.prepare('DELETE FROM scim_users WHERE scim_id = ?').run(id)
      }
      return toUser(r)
    }).immediate()
  }

  /** Inside the caller's transaction: the provisioned person who may register a device again, if any. */
  rejoining(userId: UserId, org: string): boolean {
    return this.#db.prepare('SELECT 1 FROM scim_users WHERE user_id = ? AND org_id = ? AND deleted = 0 AND active = 1 AND rejoin = 1').get(userId, org) !== undefined
  }

  /** Inside the caller's transaction. */
  clearRejoin(userId: UserId): void {
    this.#db.prepare('UPDATE scim_users SET rejoin = 0 WHERE user_id = ?').run(userId)
  }

  /** Inside createUser's transaction: whether this organisation provisioned (again) the person of a reserved id. */
  provisionedIn(userId: UserId, org: string): boolean {
    return this.#db.prepare('SELECT 1 FROM scim_users WHERE user_id = ? AND org_id = ? AND deleted = 0 AND active = 1').get(userId, org) !== undefined
  }

  /** Inside eraseUser's transaction: the provisioning goes, leaving only a digest for the same person's return. */
  erase(userId: UserId, at: number): void {
    const r = this.#db.prepare('SELECT * FROM scim_users WHERE user_id = ?').get(userId) as UserRow | undefined
    if (!r) return
    this.#leaveGroups(r.scim_id, at)
    if (r.external_id !== null) this.#db.prepare('INSERT OR IGNORE INTO scim_returning (digest) VALUES (?)').run(scimReturnDigest(r.org_id, r.user_id, r.external_id))
    this.#db.prepare('DELETE FROM scim_users WHERE scim_id = ?').run(r.scim_id)
  }

  // ---- groups ----
  #groupRow(org: OrgId, id: string): GroupRow | undefined {
    return this.#db.prepare('SELECT * FROM scim_groups WHERE scim_id = ? AND org_id = ?').get(id, org) as GroupRow | undefined
  }

  #toGroup(r: GroupRow): ScimGroupRecord {
    const members = this.#db.prepare('SELECT member_id FROM scim_group_members WHERE group_id = ? ORDER BY member_id').pluck().all(r.scim_id) as string[]
    return { id: r.scim_id, org: r.org_id as OrgId, displayName: r.display_name, externalId: r.external_id, members, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at }
  }

  #membersKnown(org: OrgId, members: readonly string[]): boolean {
    const q = this.#db.prepare('SELECT 1 FROM scim_users WHERE scim_id = ? AND org_id = ? AND deleted = 0')
    return members.every((m) => q.get(m, org) !== undefined)
  }

  #setMembers(id: string, members: readonly string[]): void {
    this.#db.prepare('DELETE FROM scim_group_members WHERE group_id = ?').run(id)
    const add = this.#db.prepare('INSERT OR IGNORE INTO scim_group_members (group_id, member_id) VALUES (?, ?)')
    for (const m of members) add.run(id, m)
  }

  createGroup(g: NewScimGroup): 'created' | 'unknown_member' {
    return this.#db.transaction(() => {
      if (!this.#membersKnown(g.org, g.members)) return 'unknown_member' as const
      this.#db.prepare('INSERT INTO scim_groups (scim_id, org_id, display_name, external_id, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)').run(g.id, g.org, g.displayName, g.externalId, g.createdAt, g.createdAt)
      this.#setMembers(g.id, g.members)
      return 'created' as const
    }).immediate()
  }

  getGroup(org: OrgId, id: string): ScimGroupRecord | null {
    const r = this.#groupRow(org, id)
    return r ? this.#toGroup(r) : null
  }

  listGroups(org: OrgId, where: { displayName?: string; externalId?: string }, offset: number, limit: number): ScimPage<ScimGroupRecord> {
    let cond = 'org_id = ?'
    const args: unknown[] = [org]
    if (where.displayName !== undefined) (cond += ' AND display_name = ?'), args.push(where.displayName)
    if (where.externalId !== undefined) (cond += ' AND external_id = ?'), args.push(where.externalId)
    const total = this.#db.prepare(`SELECT COUNT(*) FROM scim_groups WHERE ${cond}`).pluck().get(...args) as number
    const rows = this.#db.prepare(`SELECT * FROM scim_groups WHERE ${cond} ORDER BY created_at, scim_id LIMIT ? OFFSET ?`).all(...args, limit, offset) as GroupRow[]
    return { total, items: rows.map((r) => this.#toGroup(r)) }
  }

  updateGroup(org: OrgId, id: string, c: ScimGroupChange, ifVersion: IfVersion): ScimGroupRecord | 'not_found' | 'version_mismatch' | 'unknown_member' {
    return this.#db.transaction(() => {
      const r = this.#groupRow(org, id)
      if (!r) return 'not_found' as const
      if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
      if (!this.#membersKnown(org, c.members)) return 'unknown_member' as const
      this.#db.prepare('UPDATE scim_groups SET display_name = ?, external_id = ?, version = version + 1, updated_at = ? WHERE scim_id = ?').run(c.displayName, c.externalId, c.at, id)
      this.#setMembers(id, c.members)
      return this.#toGroup(this.#groupRow(org, id)!)
    }).immediate()
  }

  deleteGroup(org: OrgId, id: string, ifVersion: IfVersion): ScimGroupRecord | 'not_found' | 'version_mismatch' {
    return this.#db.transaction(() => {
      const r = this.#groupRow(org, id)
      if (!r) return 'not_found' as const
      if (ifVersion !== null && ifVersion !== r.version) return 'version_mismatch' as const
      const g = this.#toGroup(r)
      this.#db.prepare('DELETE FROM scim_group_members WHERE group_id = ?').run(id)
      this.#db.prepare('DELETE FROM directory_links WHERE org_id = ? AND scim_group_id = ?').run(org, id)
      this.#db.prepare('DELETE FROM scim_groups WHERE scim_id = ?').run(id)
      return g
    }).immediate()
  }

  // ---- directory-linked conversations (docs/protocol.md §5.9) ----
  setLink(l: DirectoryLinkRecord): 'linked' | 'unknown_group' {
    return this.#db.transaction(() => {
      if (!this.#groupRow(l.org, l.scimGroupId)) return 'unknown_group' as const
      this.#db
        .prepare('INSERT INTO directory_links (group_id, org_id, scim_group_id, linked_by, linked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE SET org_id = excluded.org_id, scim_group_id = excluded.scim_group_id, linked_by = excluded.linked_by, linked_at = excluded.linked_at')
        .run(l.groupId, l.org, l.scimGroupId, l.linkedBy, l.linkedAt)
      return 'linked' as const
    }).immediate()
  }

  deleteLink(org: OrgId, groupId: GroupId): boolean {
    return this.#db.prepare('DELETE FROM directory_links WHERE org_id = ? AND group_id = ?').run(org, groupId).changes > 0
  }

  listLinks(org: OrgId): DirectoryLinkRecord[] {
    return (this.#db.prepare('SELECT * FROM directory_links WHERE org_id = ? ORDER BY linked_at, group_id').all(org) as LinkRow[]).map(toLink)
  }

  linkOf(groupId: GroupId): DirectoryLinkRecord | null {
    const r = this.#db.prepare('SELECT * FROM directory_links WHERE group_id = ?').get(groupId) as LinkRow | undefined
    return r ? toLink(r) : null
  }

  linksOfGroup(org: OrgId, scimGroupId: string): DirectoryLinkRecord[] {
    return (this.#db.prepare('SELECT * FROM directory_links WHERE org_id = ? AND scim_group_id = ? ORDER BY linked_at, group_id').all(org, scimGroupId) as LinkRow[]).map(toLink)
  }

  groupsOfUser(org: OrgId, scimUserId: string): ScimGroupRecord[] {
    const rows = this.#db
      .prepare('SELECT g.* FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.scim_id WHERE g.org_id = ? AND m.member_id = ? ORDER BY g.created_at, g.scim_id')
      .all(org, scimUserId) as GroupRow[]
    return rows.map((r) => this.#toGroup(r))
  }
}

interface LinkRow {
  group_id: string
  org_id: string
  scim_group_id: string
  linked_by: string
  linked_at: number
}
const toLink = (r: LinkRow): DirectoryLinkRecord => ({ groupId: r.group_id as GroupId, org: r.org_id as OrgId, scimGroupId: r.scim_group_id, linkedBy: r.linked_by as UserId, linkedAt: r.linked_at })
