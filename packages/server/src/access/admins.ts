// Administrators: people who sign in with their own device key and hold an admin record.
// The operator's first admin is enrolled with a one-time token that `candor serve` prints
// while there is no admin: derived from the key file's enrolment secret (so every node and
// every restart prints the same token until it is used), consumed once through the store's nonce table,
// and refused for good once any admin exists. Admin rights are looked up on every call.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { CandorError, toBase64Url, type AdminRole, type OrgId, type UserId } from '@candor/protocol'
import type { AdminRecord, Store } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import type { Session } from '../auth/tokens.ts'
import { allowedAnywhere, allowedIn } from '../organisations/roles.ts'

export class Admins {
  readonly #store: Store
  readonly #secret: string

  private constructor(store: Store, secret: string) {
    this.#store = store
    this.#secret = secret
  }

  /** Its base64url text is the HMAC key, as when it lived in the database, so the token stays the same. */
  static open(store: Store, enrolmentSecret: Uint8Array): Admins {
    return new Admins(store, toBase64Url(enrolmentSecret))
  }

  /** The one-time enrolment token, or null once an admin exists. */
  async enrolmentToken(): Promise<string | null> {
    if ((await this.#store.countAdmins()) > 0) return null
    return `adm-${toBase64Url(createHmac('sha256', this.#secret).update('first admin enrolment').digest())}`
  }

  /** Makes the signed-in person the first admin, if the token is right and unused. */
  async enrolFirst(userId: UserId, token: string, org: string, now: number): Promise<AdminRecord> {
    const expected = await this.enrolmentToken()
    const a = Buffer.from(token)
    const ok = expected !== null && a.length === expected.length && timingSafeEqual(a, Buffer.from(expected))
    if (!ok) throw new CandorError('forbidden', 'this enrolment token is not valid (an admin may already exist)')
    const used = createHash('sha256').update(token).digest('hex')
    if (!(await this.#store.consumeNonce(`admin-enrolment:${used}`, Number.MAX_SAFE_INTEGER))) {
      throw new CandorError('forbidden', 'this enrolment token was already used')
    }
    const rec: AdminRecord = { userId, role: 'operator', org, grantedBy: null, grantedAt: now }
    if (!(await this.#store.addAdmin(rec))) throw new CandorError('conflict', 'already an admin')
    return rec
  }

  /**
   * Grants a role: `operator` by an operator only; an organisation role in the grantee's own
   * organisation (never to a guest), by an admin holding `roles.grant` there (`owners.manage`
   * for owner). A grantee in an organisation the granter cannot act in is `unknown_user`, as
   * one who does not exist; `org`, when given, must be the grantee's organisation.
   */
  async grant(by: AdminRecord, userId: UserId, role: AdminRole, org: OrgId | undefined, now: number, audit?: (rec: AdminRecord) => Promise<void>): Promise<AdminRecord> {
    let rec: AdminRecord
    if (role === 'operator') {
      if (by.role !== 'operator') throw new CandorError('forbidden', 'only an operator may make an operator')
      if (!(await this.#store.userExists(userId))) throw new CandorError('unknown_user', 'no such user')
      rec = { userId, role, org: by.org, grantedBy: by.userId, grantedAt: now }
    } else {
      const p = role === 'owner' ? 'owners.manage' : 'roles.grant'
      if (!allowedAnywhere(by, p)) throw new CandorError('forbidden', `your role (${by.role}) may not grant ${role}`)
      const m = await this.#store.membershipOf(userId)
      if (!m || !allowedIn(by, m.org, p) || (org !== undefined && org !== m.org)) throw new CandorError('unknown_user', 'no such user')
      if (m.guest) throw new CandorError('forbidden', `${userId} is a guest of the organisation: guests hold no roles`)
      rec = { userId, role, org: m.org, grantedBy: by.userId, grantedAt: now }
    }
    if (await this.#store.getAdmin(userId)) throw new CandorError('conflict', `${userId} is already an admin`)
    // The organisation's audit entry is written once the grant is checked, before it takes effect.
    await audit?.(rec)
    if (!(await this.#store.addAdmin(rec))) throw new CandorError('conflict', `${userId} is already an admin`)
    return rec
  }

  /**
   * Checks a revocation may go ahead (the caller then logs the receipt and calls `revoke`): the
   * same permission as granting that role, in the target's organisation; an admin the revoker
   * cannot act on is `not_found`, as one who is not an admin.
   */
  async revocable(by: AdminRecord, userId: UserId): Promise<AdminRecord> {
    if (by.role !== 'operator' && !allowedAnywhere(by, 'roles.grant')) throw new CandorError('forbidden', `your role (${by.role}) may not revoke admin rights`)
    const target = await this.#store.getAdmin(userId)
    const mayAct = (t: AdminRecord) =>
      t.role === 'operator' ? by.role === 'operator' : allowedIn(by, t.org as OrgId, t.role === 'owner' ? 'owners.manage' : 'roles.grant')
    if (!target || !mayAct(target)) throw new CandorError('not_found', `${userId} is not an admin`)
    // Checked here too so a refused revocation leaves no receipt; the store re-checks atomically.
    if (target.role === 'operator' && (await this.#store.listAdmins()).filter((a) => a.role === 'operator').length <= 1) {
      throw new CandorError('conflict', `${userId} is the last operator; grant another operator first`)
    }
    return target
  }

  /** Takes the admin rights away; refuses to leave the service without an operator. */
  async revoke(userId: UserId): Promise<void> {
    const r = await this.#store.removeAdmin(userId)
    if (r === 'not_admin') throw new CandorError('not_found', `${userId} is not an admin`)
    if (r === 'last_operator') throw new CandorError('conflict', `${userId} is the last operator; grant another operator first`)
  }
}

/** Signs the caller in and checks, on this call, that they are an admin. */
export async function requireAdmin(ctx: AppContext, req: FastifyRequest): Promise<{ session: Session; admin: AdminRecord }> {
  const session = await authenticate(ctx, req)
  const admin = await ctx.store.getAdmin(session.userId)
  if (!admin) throw new CandorError('forbidden', 'admin rights are required')
  return { session, admin }
}
