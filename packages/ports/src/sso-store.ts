// Single sign-on (docs/organisations.md "Single sign-on"): an organisation's identity provider and
// each person's identity at it. Part of the Store.
import type { OrgId, UserId } from '@candor/protocol'

/** Single sign-on (part of Store). */
export interface SsoStore {
  /** Sets (replaces) the organisation's identity-provider settings; false if there is no such organisation. */
  setSsoConfig(org: OrgId, config: SsoConfigRecord): Promise<boolean>
  /** The organisation's identity-provider settings, or null when none are set. */
  getSsoConfig(org: OrgId): Promise<SsoConfigRecord | null>
  /** The user the identity provider's subject is bound to in this organisation, or null. */
  ssoUserOfSubject(org: OrgId, issuer: string, subject: string): Promise<UserId | null>
  /**
   * Records a successful sign-in: binds (org, issuer, subject) to the user on the first one and
   * refreshes email, sid and time (the last logout's time stays: a sign-in after it is valid,
   * session tokens issued before it are not). 'subject_taken': the subject is
   * bound to another user; 'user_bound': the user is bound to another subject or issuer.
   */
  recordSsoSignIn(s: SsoSignIn): Promise<'recorded' | 'subject_taken' | 'user_bound'>
  /**
   * The user's sign-in state when their organisation requires SSO (else null): the
   * re-authentication interval and the identity bound to them, if any.
   */
  ssoSessionOf(userId: UserId): Promise<SsoSessionState | null>
  /** The identity at the provider bound to the user (whether or not SSO is required now), or null. */
  ssoIdentityOf(userId: UserId): Promise<SsoIdentity | null>
  /**
   * Ends the SSO sessions of the organisation's identities matching the subject (or, without
   * one, the provider's session id `sid`); returns the users whose session ended.
   */
  endSsoSessions(org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): Promise<UserId[]>
}

/**
 * An organisation's identity provider (OpenID Connect). The client secret is never stored as
 * text: `clientSecretBox` is AES-256-GCM under a key derived from the server's key file
 * (docs/organisations.md), so a copy of the database does not reveal it.
 */
export interface SsoConfigRecord {
  issuer: string
  clientId: string
  /** nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
  clientSecretBox: Uint8Array
  /** Email domains whose verified addresses may sign in (lower case). */
  allowedDomains: string[]
  /** The ID-token claim that lists the person's groups, or null. */
  groupsClaim: string | null
  /** Registering, enrolling and signing in need a sign-in at the identity provider. */
  requireSso: boolean
  /** A sign-in at the identity provider holds this long (ms); then the person signs in again. */
  reauthMs: number
  updatedAt: number
}

export interface SsoSignIn {
  org: OrgId
  issuer: string
  subject: string
  userId: UserId
  email: string
  /** The provider's session id (`sid` claim), when it sends one. */
  sid: string | null
  at: number
}

export interface SsoIdentity {
  issuer: string
  subject: string
  email: string
  sid: string | null
  authenticatedAt: number
  /** When a back-channel logout last ended the person's session (null if never); a sign-in after it holds again. */
  endedAt: number | null
}

export interface SsoSessionState {
  org: OrgId
  reauthMs: number
  identity: SsoIdentity | null
}
