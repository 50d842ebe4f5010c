// From a checked ID token to a sign-in ticket, and from a ticket to a registration, an
// enrolment or a session. The person is the provider's subject: the first sign-in that
// registers or enrols binds (issuer, subject) to a user id, and later sign-ins of that subject
// are that user whatever their email becomes. A new person's user id is their verified email,
// whose domain must be one the organisation allows (and verified). A ticket is good for five
// minutes and once (Store.consumeNonce), and only for the organisation and user id it names.
import { randomBytes } from 'node:crypto'
import { CandorError, LIMITS, normaliseUserName, toBase64Url, userIdDomain, type OrgId, type SsoSignInResponse, type UserId } from '@candor/protocol'
import type { SsoConfigRecord, SsoSessionState } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'
import type { IdTokenClaims } from './relying-party.ts'
import { openTicket, sealTicket, type TicketClaims } from './sso-secrets.ts'

export const TICKET_TTL_MS = 5 * 60_000

/** The groups the provider lists in the configured claim (strings only), or an empty list. */
function groupsOf(claims: IdTokenClaims, claim: string | null): string[] {
  const v = claim === null ? undefined : claims[claim]
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string').slice(0, 200) : []
}

export async function ticketFor(ctx: AppContext, org: OrgId, rec: SsoConfigRecord, claims: IdTokenClaims): Promise<SsoSignInResponse> {
  if (typeof claims.email !== 'string' || claims.email_verified !== true) {
    throw new CandorError('forbidden', 'the identity provider did not send a verified email address (claims email and email_verified)')
  }
  let email: UserId
  try {
    email = normaliseUserName(claims.email, 'email')
  } catch {
    throw new CandorError('forbidden', 'the email address the identity provider sent is not usable as a user id')
  }
  const domain = userIdDomain(email)
  if (domain === null || !rec.allowedDomains.includes(domain)) throw new CandorError('forbidden', `${domain ?? 'this address'} is not an email domain this organisation allows`)
  const bound = await ctx.store.ssoUserOfSubject(org, claims.iss, claims.sub)
  const userId = bound ?? email
  const now = Date.now()
  const t: TicketClaims = {
    org,
    userId,
    iss: claims.iss,
    sub: claims.sub,
    email,
    sid: typeof claims['sid'] === 'string' ? claims['sid'] : null,
    at: now,
    exp: now + TICKET_TTL_MS,
    jti: toBase64Url(randomBytes(16)),
  }
  ctx.log.info({ org, userId, iss: t.iss }, 'signed in at the identity provider')
  return {
    status: 'signed_in',
    org,
    userId,
    email,
    ticket: sealTicket(ctx.sso.secrets, t),
    expiresAt: t.exp,
    registered: await ctx.store.userExists(userId),
    groups: groupsOf(claims, rec.groupsClaim),
  }
}

/**
 * The organisation's settings when it requires SSO — or, when the request brings a ticket
 * anyway, when it has SSO at all (so people bind their identity before it becomes required) —
 * else null.
 */
export async function requiredSso(ctx: AppContext, org: OrgId, withTicket = false): Promise<SsoConfigRecord | null> {
  const rec = await ctx.store.getSsoConfig(org)
  // The policy's sso.required asks for it too (with the organisation's provider settings).
  return rec && (rec.requireSso || withTicket || (await ctx.policies.current(org)).sso.required) ? rec : null
}

/**
 * Checks a ticket for this organisation and user id and uses it up. Call it after every other
 * check of the request, right before the change it allows; then recordSignIn.
 */
export async function useTicket(ctx: AppContext, ticket: string | undefined, org: OrgId, userId: UserId, rec: SsoConfigRecord): Promise<TicketClaims> {
  if (ticket === undefined) throw new CandorError('unauthenticated', `the organisation ${org} requires single sign-on: sign in with its identity provider first`, { details: { ssoRequired: org } })
  const t = openTicket(ctx.sso.secrets, ticket, Date.now())
  if (!t) throw new CandorError('unauthenticated', 'the sign-in ticket is invalid or expired: sign in again', { details: { ssoRequired: org } })
  if (t.org !== org || t.userId !== userId) throw new CandorError('forbidden', 'this sign-in ticket is for another person or organisation')
  if (t.iss !== rec.issuer && !sameIssuer(t.iss, rec.issuer)) throw new CandorError('unauthenticated', 'the organisation changed its identity provider: sign in again')
  const owner = await ctx.store.ssoUserOfSubject(org, t.iss, t.sub)
  if (owner !== null && owner !== userId) throw new CandorError('forbidden', 'this identity is bound to another user')
  if (!(await ctx.store.consumeNonce(`sso-ticket:${t.jti}`, t.exp))) throw new CandorError('unauthenticated', 'this sign-in ticket was already used')
  return t
}

/** Issuers compare as the provider writes them; a trailing slash in the settings is not a different provider. */
function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/$/, '') === b.replace(/\/$/, '')
}

/** Records the sign-in a used ticket proves (binds the subject on the first one). */
export async function recordSignIn(ctx: AppContext, t: TicketClaims, publish = true): Promise<void> {
  const userId = t.userId as UserId
  const before = await ctx.store.ssoIdentityOf(userId)
  const r = await ctx.store.recordSsoSignIn({ org: t.org, issuer: t.iss, subject: t.sub, userId, email: t.email, sid: t.sid, at: t.at })
  if (r !== 'recorded') throw new CandorError('forbidden', r === 'subject_taken' ? 'this identity is bound to another user' : 'this user is bound to another identity at the provider')
  // The key directory shows the binding (§3 `idp`): republish when it is new or the email changed.
  if (publish && (!before || before.email !== t.email)) {
    if (await ctx.store.userExists(userId)) await ctx.directory.publishUser(userId)
  }
}

/**
 * Whether a session of this user may be used or issued: when the user's organisation requires
 * SSO, the user must have signed in there, not been logged out since, within the
 * re-authentication interval; `issuedAt` (of a token) must not be before a logout. Both ways an
 * organisation requires it (its provider settings, its policy's sso.required) need provider
 * settings: where it has none (Store.deviceAccess says so), this check has nothing to do.
 */
export async function checkSsoSession(ctx: AppContext, userId: UserId, issuedAt: number | null, now = Date.now()): Promise<void> {
  const s = (await ctx.store.ssoSessionOf(userId)) ?? (await policyRequiredSso(ctx, userId))
  if (!s) return
  const details = { details: { ssoRequired: s.org } }
  const i = s.identity
  if (!i) throw new CandorError('unauthenticated', `the organisation ${s.org} requires single sign-on: sign in with its identity provider`, details)
  if (i.endedAt !== null && (i.authenticatedAt <= i.endedAt || (issuedAt !== null && issuedAt < i.endedAt))) {
    throw new CandorError('unauthenticated', 'your single sign-on session was ended at the identity provider: sign in again', details)
  }
  // The shorter of the provider settings' interval and the policy's sso.reauthMinutes.
  const reauthMs = Math.min(s.reauthMs, (await ctx.policies.current(s.org)).sso.reauthMinutes * 60_000)
  if (now - i.authenticatedAt > reauthMs) throw new CandorError('unauthenticated', `your organisation asks you to sign in again every ${Math.round(reauthMs / 60_000)} minutes`, details)
}

/**
 * The sign-in state of a person whose organisation's provider settings do not require SSO but
 * whose policy does (`sso.required`); null otherwise. Two lookups (membership, settings) for
 * people whose settings do not require it; the policy only where the organisation has SSO.
 */
async function policyRequiredSso(ctx: AppContext, userId: UserId): Promise<SsoSessionState | null> {
  const m = await ctx.store.membershipOf(userId)
  if (!m) return null
  const rec = await ctx.store.getSsoConfig(m.org)
  if (!rec || !(await ctx.policies.current(m.org)).sso.required) return null
  return { org: m.org, reauthMs: rec.reauthMs, identity: await ctx.store.ssoIdentityOf(userId) }
}

/** When a session token was issued (tokens carry their expiry, one lifetime later). */
export const issuedAtOf = (expiresAt: number): number => expiresAt - LIMITS.sessionTtlMs
