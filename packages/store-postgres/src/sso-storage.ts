// Single sign-on on PostgreSQL: each organisation's identity-provider settings (the client
// secret only as a sealed box, never as text) and each person's identity at the provider — the
// subject bound on the first sign-in, the last sign-in's time and the session a back-channel
// logout ended.
import type { OrgId, UserId } from '@candor/protocol'
import type { SsoConfigRecord, SsoIdentity, SsoSessionState, SsoSignIn } from '@candor/ports'
import { buf, transaction, type Sql } from './connection.ts'

interface ConfigRow {
  issuer: string
  client_id: string
  client_secret_box: Buffer
  allowed_domains: string[]
  groups_claim: string | null
  require_sso: boolean
  reauth_ms: number
  updated_at: number
}
interface IdentityRow {
  user_id: string
  org_id: string
  issuer: string
  subject: string
  email: string
  sid: string | null
  authenticated_at: number
  ended_at: number | null
}

const toConfig = (r: ConfigRow): SsoConfigRecord => ({
  issuer: r.issuer,
  clientId: r.client_id,
  clientSecretBox: new Uint8Array(r.client_secret_box),
  allowedDomains: [...r.allowed_domains],
  groupsClaim: r.groups_claim,
  requireSso: r.require_sso,
  reauthMs: r.reauth_ms,
  updatedAt: r.updated_at,
})
const toIdentity = (r: IdentityRow): SsoIdentity => ({ issuer: r.issuer, subject: r.subject, email: r.email, sid: r.sid, authenticatedAt: r.authenticated_at, endedAt: r.ended_at })
export async function setSsoConfig(sql: Sql, org: OrgId, c: SsoConfigRecord): Promise<boolean> {
  return transaction(sql, async (tx) => {
    if ((await tx`SELECT 1 FROM organisations WHERE org_id = ${org} FOR SHARE`).length === 0) return false
    await tx`
      INSERT INTO org_sso (org_id, issuer, client_id, client_secret_box, allowed_domains, groups_claim, require_sso, reauth_ms, updated_at)
      VALUES (${org}, ${c.issuer}, ${c.clientId}, ${buf(c.clientSecretBox)}, ${tx.array(c.allowedDomains)}::text[], ${c.groupsClaim}, ${c.requireSso}, ${c.reauthMs}, ${c.updatedAt})
      ON CONFLICT (org_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, client_secret_box = EXCLUDED.client_secret_box,
        allowed_domains = EXCLUDED.allowed_domains, groups_claim = EXCLUDED.groups_claim, require_sso = EXCLUDED.require_sso,
        reauth_ms = EXCLUDED.reauth_ms, updated_at = EXCLUDED.updated_at`
    return true
  })
}

export async function getSsoConfig(sql: Sql, org: OrgId): Promise<SsoConfigRecord | null> {
  const [r] = await sql<ConfigRow[]>`SELECT * FROM org_sso WHERE org_id = ${org}`
  return r ? toConfig(r) : null
}

export async function ssoUserOfSubject(sql: Sql, org: OrgId, issuer: string, subject: string): Promise<UserId | null> {
  const [r] = await sql<{ user_id: string }[]>`SELECT user_id FROM sso_identities WHERE org_id = ${org} AND issuer = ${issuer} AND subject = ${subject}`
  return (r?.user_id as UserId | undefined) ?? null
}

export async function recordSsoSignIn(sql: Sql, s: SsoSignIn): Promise<'recorded' | 'subject_taken' | 'user_bound'> {
  return transaction(sql, async (tx) => {
    // Serialises sign-ins of one subject, so two nodes binding it to two users at once cannot both win.
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`sso:${s.org}:${s.issuer}:${s.subject}`}))`
    const [owner] = await tx<{ user_id: string }[]>`SELECT user_id FROM sso_identities WHERE org_id = ${s.org} AND issuer = ${s.issuer} AND subject = ${s.subject}`
    if (owner && owner.user_id !== s.userId) return 'subject_taken' as const
    const [mine] = await tx<IdentityRow[]>`SELECT * FROM sso_identities WHERE user_id = ${s.userId} FOR UPDATE`
    if (mine && (mine.org_id !== s.org || mine.issuer !== s.issuer || mine.subject !== s.subject)) return 'user_bound' as const
    const r = await tx`
      INSERT INTO sso_identities (user_id, org_id, issuer, subject, email, sid, authenticated_at, ended_at)
      VALUES (${s.userId}, ${s.org}, ${s.issuer}, ${s.subject}, ${s.email}, ${s.sid}, ${s.at}, NULL)
      ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, sid = EXCLUDED.sid, authenticated_at = EXCLUDED.authenticated_at
        WHERE sso_identities.org_id = EXCLUDED.org_id AND sso_identities.issuer = EXCLUDED.issuer AND sso_identities.subject = EXCLUDED.subject
      RETURNING 1`
    return r.length === 1 ? ('recorded' as const) : ('user_bound' as const)
  }).catch((e: unknown) => {
    // Another user's row took the subject between our check and insert (unique violation).
    if ((e as { code?: string }).code === '23505') return 'subject_taken' as const
    throw e
  })
}

export async function ssoSessionOf(sql: Sql, userId: UserId): Promise<SsoSessionState | null> {
  const [r] = await sql<{ org_id: string; reauth_ms: number; require_sso: boolean }[]>`
    SELECT u.org_id, c.reauth_ms, c.require_sso FROM users u JOIN org_sso c ON c.org_id = u.org_id WHERE u.user_id = ${userId}`
  if (!r || !r.require_sso) return null
  const [i] = await sql<IdentityRow[]>`SELECT * FROM sso_identities WHERE user_id = ${userId} AND org_id = ${r.org_id}`
  return { org: r.org_id as OrgId, reauthMs: r.reauth_ms, identity: i ? toIdentity(i) : null }
}

export async function ssoIdentityOf(sql: Sql, userId: UserId): Promise<SsoIdentity | null> {
  const [i] = await sql<IdentityRow[]>`SELECT * FROM sso_identities WHERE user_id = ${userId}`
  return i ? toIdentity(i) : null
}

export async function endSsoSessions(sql: Sql, org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): Promise<UserId[]> {
  let rows: { user_id: string }[] = []
  if (match.subject !== undefined) {
    rows = await sql<{ user_id: string }[]>`UPDATE sso_identities SET ended_at = ${at} WHERE org_id = ${org} AND issuer = ${issuer} AND subject = ${match.subject} RETURNING user_id`
  } else if (match.sid !== undefined) {
    rows = await sql<{ user_id: string }[]>`UPDATE sso_identities SET ended_at = ${at} WHERE org_id = ${org} AND issuer = ${issuer} AND sid = ${match.sid} RETURNING user_id`
  }
  return rows.map((r) => r.user_id as UserId)
}
