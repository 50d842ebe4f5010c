// Single sign-on on SQLite: each organisation's identity-provider settings (the client secret
// only as a sealed box, never as text) and each person's identity at the provider — the
// subject bound on the first sign-in, the last sign-in's time and the session a back-channel
// logout ended.
import type Database from 'better-sqlite3'
import type { OrgId, UserId } from '@candor/protocol'
import type { SsoConfigRecord, SsoIdentity, SsoSessionState, SsoSignIn } from '@candor/ports'

interface ConfigRow {
  issuer: string
  client_id: string
  client_secret_box: Buffer
  allowed_domains: string
  groups_claim: string | null
  require_sso: number
  reauth_ms: number
  updated_at: number
}
interface IdentityRow {
  user_id: string
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
  allowedDomains: JSON.parse(r.allowed_domains) as string[],
  groupsClaim: r.groups_claim,
  requireSso: r.require_sso === 1,
  reauthMs: r.reauth_ms,
  updatedAt: r.updated_at,
})
const toIdentity = (r: IdentityRow): SsoIdentity => ({ issuer: r.issuer, subject: r.subject, email: r.email, sid: r.sid, authenticatedAt: r.authenticated_at, endedAt: r.ended_at })

export class SqliteSso {
  readonly #db: Database.Database
  /** The statements of every sign-in and socket auth, prepared once. */
  readonly #s

  constructor(db: Database.Database) {
    this.#db = db
    this.#s = {
      config: db.prepare('SELECT * FROM org_sso WHERE org_id = ?'),
      session: db.prepare(
        `SELECT u.org_id AS org_id, c.reauth_ms AS reauth_ms, c.require_sso AS require_sso FROM users u JOIN org_sso c ON c.org_id = u.org_id WHERE u.user_id = ?`,
      ),
      identityIn: db.prepare('SELECT * FROM sso_identities WHERE user_id = ? AND org_id = ?'),
      identity: db.prepare('SELECT * FROM sso_identities WHERE user_id = ?'),
    }
  }

  setConfig(org: OrgId, c: SsoConfigRecord): boolean {
    return this.#db.transaction(() => {
      if (!this.#db.prepare('SELECT 1 FROM organisations WHERE org_id = ?').get(org)) return false
      this.#db
        .prepare(
          `INSERT INTO org_sso (org_id, issuer, client_id, client_secret_box, allowed_domains, groups_claim, require_sso, reauth_ms, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, client_secret_box = excluded.client_secret_box,
             allowed_domains = excluded.allowed_domains, groups_claim = excluded.groups_claim, require_sso = excluded.require_sso,
             reauth_ms = excluded.reauth_ms, updated_at = excluded.updated_at`,
        )
        .run(org, c.issuer, c.clientId, Buffer.from(c.clientSecretBox), JSON.stringify(c.allowedDomains), c.groupsClaim, c.requireSso ? 1 : 0, c.reauthMs, c.updatedAt)
      return true
    }).immediate()
  }

  getConfig(org: OrgId): SsoConfigRecord | null {
    const r = this.#s.config.get(org) as ConfigRow | undefined
    return r ? toConfig(r) : null
  }

  userOfSubject(org: OrgId, issuer: string, subject: string): UserId | null {
    return (this.#db.prepare('SELECT user_id FROM sso_identities WHERE org_id = ? AND issuer = ? AND subject = ?').pluck().get(org, issuer, subject) as UserId | undefined) ?? null
  }

  recordSignIn(s: SsoSignIn): 'recorded' | 'subject_taken' | 'user_bound' {
    return this.#db.transaction(() => {
      const owner = this.userOfSubject(s.org, s.issuer, s.subject)
      if (owner !== null && owner !== s.userId) return 'subject_taken' as const
      const mine = this.#s.identity.get(s.userId) as (IdentityRow & { org_id: string }) | undefined
      if (mine && (mine.org_id !== s.org || mine.issuer !== s.issuer || mine.subject !== s.subject)) return 'user_bound' as const
      this.#db
        .prepare(
          `INSERT INTO sso_identities (user_id, org_id, issuer, subject, email, sid, authenticated_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, sid = excluded.sid, authenticated_at = excluded.authenticated_at`,
        )
        .run(s.userId, s.org, s.issuer, s.subject, s.email, s.sid, s.at)
      return 'recorded' as const
    }).immediate()
  }

  sessionOf(userId: UserId): SsoSessionState | null {
    const r = this.#s.session.get(userId) as { org_id: string; reauth_ms: number; require_sso: number } | undefined
    if (!r || r.require_sso !== 1) return null
    const i = this.#s.identityIn.get(userId, r.org_id) as IdentityRow | undefined
    return { org: r.org_id as OrgId, reauthMs: r.reauth_ms, identity: i ? toIdentity(i) : null }
  }

  identityOf(userId: UserId): SsoIdentity | null {
    const i = this.#s.identity.get(userId) as IdentityRow | undefined
    return i ? toIdentity(i) : null
  }

  endSessions(org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): UserId[] {
    if (match.subject !== undefined) {
      return this.#db.prepare('UPDATE sso_identities SET ended_at = ? WHERE org_id = ? AND issuer = ? AND subject = ? RETURNING user_id').pluck().all(at, org, issuer, match.subject) as UserId[]
    }
    if (match.sid !== undefined) {
      return this.#db.prepare('UPDATE sso_identities SET ended_at = ? WHERE org_id = ? AND issuer = ? AND sid = ? RETURNING user_id').pluck().all(at, org, issuer, match.sid) as UserId[]
    }
    return []
  }
}
