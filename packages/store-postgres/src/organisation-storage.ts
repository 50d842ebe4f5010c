// Organisations on PostgreSQL: the tenants, their verified domains and each user's membership
// (the users table's org_id and guest columns, set in createUser's transaction).
import type { OrgId, SignupMode, UserId } from '@candor/protocol'
import type { Membership, NewOrganisation, OrganisationRecord } from '@candor/ports'
import { transaction, type Db, type Sql } from './connection.ts'

interface OrgRow {
  org_id: string
  name: string
  signup: SignupMode
  created_at: number
}
interface MemberRow {
  user_id: string
  org_id: string
  guest: boolean
}

const toMembership = (r: MemberRow): Membership => ({ userId: r.user_id as UserId, org: r.org_id as OrgId, guest: r.guest })

async function toRecord(sql: Db, r: OrgRow): Promise<OrganisationRecord> {
  const domains = await sql<{ domain: string }[]>`SELECT domain FROM org_domains WHERE org_id = ${r.org_id} ORDER BY domain`
  return { id: r.org_id as OrgId, name: r.name, signup: r.signup, createdAt: r.created_at, domains: domains.map((d) => d.domain) }
}

export async function createOrganisation(sql: Sql, o: NewOrganisation): Promise<boolean> {
  const r = await sql`INSERT INTO organisations (org_id, name, signup, created_at) VALUES (${o.id}, ${o.name}, ${o.signup}, ${o.createdAt}) ON CONFLICT DO NOTHING RETURNING 1`
  return r.length === 1
}

export async function getOrganisation(sql: Sql, org: OrgId): Promise<OrganisationRecord | null> {
  const [r] = await sql<OrgRow[]>`SELECT * FROM organisations WHERE org_id = ${org}`
  return r ? toRecord(sql, r) : null
}

export async function listOrganisations(sql: Sql): Promise<OrganisationRecord[]> {
  const rows = await sql<OrgRow[]>`SELECT * FROM organisations ORDER BY org_id`
  return Promise.all(rows.map((r) => toRecord(sql, r)))
}

export async function setSignup(sql: Sql, org: OrgId, signup: SignupMode): Promise<boolean> {
  return (await sql`UPDATE organisations SET signup = ${signup} WHERE org_id = ${org} RETURNING 1`).length === 1
}

export async function addDomain(sql: Sql, org: OrgId, domain: string, at: number): Promise<'added' | 'unchanged' | 'taken' | 'no_org'> {
  return transaction(sql, async (tx) => {
    if ((await tx`SELECT 1 FROM organisations WHERE org_id = ${org} FOR SHARE`).length === 0) return 'no_org' as const
    // The primary key decides between two organisations adding the same domain at once.
    const added = await tx`INSERT INTO org_domains (domain, org_id, added_at) VALUES (${domain}, ${org}, ${at}) ON CONFLICT DO NOTHING RETURNING 1`
    if (added.length === 1) return 'added' as const
    const [owner] = await tx<{ org_id: string }[]>`SELECT org_id FROM org_domains WHERE domain = ${domain}`
    return owner?.org_id === org ? ('unchanged' as const) : ('taken' as const)
  })
}

export async function organisationOfDomain(sql: Sql, domain: string): Promise<OrgId | null> {
  const [r] = await sql<{ org_id: string }[]>`SELECT org_id FROM org_domains WHERE domain = ${domain}`
  return (r?.org_id as OrgId | undefined) ?? null
}

export async function countDomainUsersElsewhere(sql: Sql, domain: string, org: OrgId): Promise<number> {
  const suffix = `@${domain}`
  const [r] = await sql<{ n: number }[]>`SELECT COUNT(*)::int AS n FROM users WHERE right(user_id, ${suffix.length}) = ${suffix} AND org_id <> ${org}`
  return r?.n ?? 0
}

export async function membershipOf(sql: Sql, userId: UserId): Promise<Membership | null> {
  const [r] = await sql<MemberRow[]>`SELECT user_id, org_id, guest FROM users WHERE user_id = ${userId}`
  return r ? toMembership(r) : null
}

export async function membersByPrefix(sql: Sql, org: OrgId, prefix: string, limit: number): Promise<Membership[]> {
  const rows = await sql<MemberRow[]>`SELECT user_id, org_id, guest FROM users WHERE org_id = ${org} AND NOT guest AND left(user_id, length(${prefix})) = ${prefix} ORDER BY user_id LIMIT ${limit}`
  return rows.map(toMembership)
}

export async function listMembers(sql: Sql, org: OrgId, after: UserId | null, limit: number): Promise<Membership[]> {
  const rows = await sql<MemberRow[]>`SELECT user_id, org_id, guest FROM users WHERE org_id = ${org} AND user_id > ${after ?? ''} ORDER BY user_id LIMIT ${limit}`
  return rows.map(toMembership)
}
