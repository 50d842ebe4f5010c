// Organisations on SQLite: the tenants, their verified domains and each user's membership (the
// users table's org_id and guest columns, set in createUser's transaction).
import type Database from 'better-sqlite3'
import type { OrgId, SignupMode, UserId } from '@candor/protocol'
import type { Membership, NewOrganisation, OrganisationRecord } from '@candor/ports'

interface OrgRow {
  org_id: string
  name: string
  signup: SignupMode
  created_at: number
}
interface MemberRow {
  user_id: string
  org_id: string
  guest: number
}

const toMembership = (r: MemberRow): Membership => ({ userId: r.user_id as UserId, org: r.org_id as OrgId, guest: r.guest === 1 })

export class SqliteOrganisations {
  readonly #db: Database.Database
  /** The statements of sign-in, sign-up and sending, prepared once. */
  readonly #s

  constructor(db: Database.Database) {
    this.#db = db
    this.#s = {
      domains: db.prepare('SELECT domain FROM org_domains WHERE org_id = ? ORDER BY domain').pluck(),
      get: db.prepare('SELECT * FROM organisations WHERE org_id = ?'),
      membership: db.prepare('SELECT user_id, org_id, guest FROM users WHERE user_id = ?'),
    }
  }

  #toRecord(r: OrgRow): OrganisationRecord {
    const domains = this.#s.domains.all(r.org_id) as string[]
    return { id: r.org_id as OrgId, name: r.name, signup: r.signup, createdAt: r.created_at, domains }
  }

  create(o: NewOrganisation): boolean {
    const r = this.#db.prepare('INSERT OR IGNORE INTO organisations (org_id, name, signup, created_at) VALUES (?, ?, ?, ?)').run(o.id, o.name, o.signup, o.createdAt)
    return r.changes === 1
  }

  get(org: OrgId): OrganisationRecord | null {
    const r = this.#s.get.get(org) as OrgRow | undefined
    return r ? this.#toRecord(r) : null
  }

  list(): OrganisationRecord[] {
    return (this.#db.prepare('SELECT * FROM organisations ORDER BY org_id').all() as OrgRow[]).map((r) => this.#toRecord(r))
  }

  setSignup(org: OrgId, signup: SignupMode): boolean {
    return this.#db.prepare('UPDATE organisations SET signup = ? WHERE org_id = ?').run(signup, org).changes === 1
  }

  addDomain(org: OrgId, domain: string, at: number): 'added' | 'unchanged' | 'taken' | 'no_org' {
    return this.#db.transaction(() => {
      if (!this.#db.prepare('SELECT 1 FROM organisations WHERE org_id = ?').get(org)) return 'no_org' as const
      const owner = this.#db.prepare('SELECT org_id FROM org_domains WHERE domain = ?').pluck().get(domain) as string | undefined
      if (owner !== undefined) return owner === org ? ('unchanged' as const) : ('taken' as const)
      this.#db.prepare('INSERT INTO org_domains (domain, org_id, added_at) VALUES (?, ?, ?)').run(domain, org, at)
      return 'added' as const
    }).immediate()
  }

  ofDomain(domain: string): OrgId | null {
    return (this.#db.prepare('SELECT org_id FROM org_domains WHERE domain = ?').pluck().get(domain) as OrgId | undefined) ?? null
  }

  countDomainUsersElsewhere(domain: string, org: OrgId): number {
    const suffix = `@${domain}`
    return this.#db.prepare('SELECT COUNT(*) FROM users WHERE substr(user_id, -?) = ? AND org_id <> ?').pluck().get(suffix.length, suffix, org) as number
  }

  membershipOf(userId: UserId): Membership | null {
    const r = this.#s.membership.get(userId) as MemberRow | undefined
    return r ? toMembership(r) : null
  }

  membersByPrefix(org: OrgId, prefix: string, limit: number): Membership[] {
    const rows = this.#db
      .prepare('SELECT user_id, org_id, guest FROM users WHERE org_id = ? AND guest = 0 AND substr(user_id, 1, length(?)) = ? ORDER BY user_id LIMIT ?')
      .all(org, prefix, prefix, limit) as MemberRow[]
    return rows.map(toMembership)
  }

  listMembers(org: OrgId, after: UserId | null, limit: number): Membership[] {
    const rows = this.#db.prepare('SELECT user_id, org_id, guest FROM users WHERE org_id = ? AND user_id > ? ORDER BY user_id LIMIT ?').all(org, after ?? '', limit) as MemberRow[]
    return rows.map(toMembership)
  }
}
