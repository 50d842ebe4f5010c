// The relying party (openid-client): one discovered configuration per organisation's identity
// provider, the authorization-code flow with PKCE, `state` and `nonce`, and the device
// authorization grant (RFC 8628). What a flow must remember between its start and its end —
// the PKCE verifier, the nonce, the device code — stays on this node, in memory, for at most
// ten minutes: it never reaches the browser or the CLI, and a restart forgets it (the person
// starts again). openid-client checks the ID token's signature (the provider's JWKS), issuer,
// audience, expiry and nonce, with CLOCK_TOLERANCE_S of clock skew either way.
import type * as Oidc from 'openid-client'
import { randomBytes } from 'node:crypto'
import { CandorError, toBase64Url, type OrgId } from '@candor/protocol'
import type { SsoConfigRecord } from '@candor/ports'
import type { Logger } from '../../logger.ts'
import type { SsoSecrets } from './sso-secrets.ts'

export const CLOCK_TOLERANCE_S = 60
export const FLOW_TTL_MS = 10 * 60_000
const MAX_PENDING = 10_000
const SCOPE = 'openid email profile'

// openid-client (and jose under it) is loaded when a single sign-on flow first needs it: most
// nodes never use it, and loaded at start it stays in every node's memory.
let openidClient: Promise<typeof Oidc> | undefined
const loadOidc = (): Promise<typeof Oidc> => (openidClient ??= import('openid-client'))

export interface IdTokenClaims {
  iss: string
  sub: string
  [claim: string]: unknown
}

interface PendingCode {
  org: OrgId
  updatedAt: number
  verifier: string
  nonce: string
  redirect: string | null
  expiresAt: number
}

type DeviceOutcome = { kind: 'pending' } | { kind: 'done'; claims: IdTokenClaims } | { kind: 'failed'; error: CandorError }
interface PendingDevice {
  org: OrgId
  expiresAt: number
  outcome: DeviceOutcome
  abort: AbortController
}

export interface RelyingPartyOptions {
  /** The server's public URL (redirect and logout URIs are under it). */
  publicUrl: () => string
  /** Allow http:// identity providers (tests on loopback). Never in production. */
  allowInsecureIssuers: boolean
  secrets: SsoSecrets
  log: Logger
  now?: () => number
}

export class RelyingParty {
  readonly #opts: RelyingPartyOptions
  readonly #configs = new Map<OrgId, { updatedAt: number; config: Promise<Oidc.Configuration> }>()
  readonly #codes = new Map<string, PendingCode>()
  readonly #devices = new Map<string, PendingDevice>()
  readonly #now: () => number

  constructor(opts: RelyingPartyOptions) {
    this.#opts = opts
    this.#now = opts.now ?? Date.now
  }

  get redirectUri(): string {
    return `${this.#opts.publicUrl()}/v1/sso/callback`
  }

  backchannelLogoutUri(org: OrgId): string {
    return `${this.#opts.publicUrl()}/v1/orgs/${org}/sso/backchannel-logout`
  }

  get allowInsecureIssuers(): boolean {
    return this.#opts.allowInsecureIssuers
  }

  /** Discovers the provider (its metadata's `issuer` must be the configured one, exactly); cached per settings version. */
  async configuration(org: OrgId, rec: SsoConfigRecord): Promise<Oidc.Configuration> {
    const cached = this.#configs.get(org)
    if (cached && cached.updatedAt === rec.updatedAt) return cached.config
    const config = this.discover(org, rec.issuer, rec.clientId, this.#opts.secrets.open(org, rec.clientSecretBox))
    this.#configs.set(org, { updatedAt: rec.updatedAt, config })
    config.catch(() => {
      if (this.#configs.get(org)?.config === config) this.#configs.delete(org)
    })
    return config
  }

  /** Discovery of an issuer, as the settings route checks it before storing. */
  async discover(org: OrgId, issuer: string, clientId: string, clientSecret: string): Promise<Oidc.Configuration> {
    const oidc = await loadOidc()
    try {
      return await oidc.discovery(
        new URL(issuer),
        clientId,
        { client_secret: clientSecret, [oidc.clockTolerance]: CLOCK_TOLERANCE_S },
        oidc.ClientSecretPost(clientSecret),
        { execute: this.#opts.allowInsecureIssuers ? [oidc.allowInsecureRequests] : [], timeout: 10 },
      )
    } catch (e) {
      this.#opts.log.warn({ org, issuer, err: (e as Error).message }, 'identity provider discovery failed')
      throw new CandorError('bad_request', `the identity provider at ${issuer} could not be discovered: ${(e as Error).message}`)
    }
  }

  #sweep(): void {
    const now = this.#now()
    for (const [k, v] of this.#codes) if (v.expiresAt <= now) this.#codes.delete(k)
    for (const [k, v] of this.#devices) {
      if (v.expiresAt <= now) {
        v.abort.abort()
        this.#devices.delete(k)
      }
    }
    if (this.#codes.size + this.#devices.size >= MAX_PENDING) throw new CandorError('rate_limited', 'too many sign-ins are under way; try again in a few minutes')
  }

  /** The provider's authorization URL for a new code flow; `state` names what this node keeps. */
  async startCode(org: OrgId, rec: SsoConfigRecord, redirect: string | null): Promise<URL> {
    this.#sweep()
    const config = await this.configuration(org, rec)
    const oidc = await loadOidc()
    const verifier = oidc.randomPKCECodeVerifier()
    const nonce = oidc.randomNonce()
    const state = oidc.randomState()
    this.#codes.set(state, { org, updatedAt: rec.updatedAt, verifier, nonce, redirect, expiresAt: this.#now() + FLOW_TTL_MS })
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    })
  }

  /**
   * Ends a code flow at the callback: the `state` must be one this node issued (it is used up
   * here, whatever happens next); the code is exchanged with the PKCE verifier, and the ID
   * token is checked, its nonce included.
   */
  async finishCode(currentUrl: URL, settingsOf: (org: OrgId) => Promise<SsoConfigRecord | null>): Promise<{ org: OrgId; claims: IdTokenClaims; redirect: string | null }> {
    const state = currentUrl.searchParams.get('state')
    const pending = state === null ? undefined : this.#codes.get(state)
    if (state !== null) this.#codes.delete(state)
    if (!pending || pending.expiresAt <= this.#now()) throw new CandorError('bad_request', 'unknown or expired sign-in state: start the sign-in again')
    const rec = await settingsOf(pending.org)
    if (!rec || rec.updatedAt !== pending.updatedAt) throw new CandorError('bad_request', 'the organisation changed its single sign-on meanwhile: start the sign-in again')
    const config = await this.configuration(pending.org, rec)
    const oidc = await loadOidc()
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state!,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
      return { org: pending.org, claims: tokens.claims() as IdTokenClaims, redirect: pending.redirect }
    } catch (e) {
      throw refusal(e)
    }
  }

  /** Starts the device authorization grant at the provider and polls it in the background. */
  async startDevice(org: OrgId, rec: SsoConfigRecord): Promise<{ handle: string; userCode: string; verificationUri: string; verificationUriComplete: string | null; expiresAt: number; interval: number }> {
    this.#sweep()
    const config = await this.configuration(org, rec)
    const oidc = await loadOidc()
    let started: Oidc.DeviceAuthorizationResponse
    try {
      started = await oidc.initiateDeviceAuthorization(config, { scope: SCOPE })
    } catch (e) {
      throw refusal(e)
    }
    const handle = toBase64Url(randomBytes(24))
    const expiresAt = this.#now() + Math.min(started.expires_in * 1000, FLOW_TTL_MS)
    const pending: PendingDevice = { org, expiresAt, outcome: { kind: 'pending' }, abort: new AbortController() }
    this.#devices.set(handle, pending)
    const timer = setTimeout(() => pending.abort.abort(), expiresAt - this.#now())
    timer.unref()
    oidc
      .pollDeviceAuthorizationGrant(config, started, undefined, { signal: pending.abort.signal })
      .then((tokens) => {
        const claims = tokens.claims() as IdTokenClaims | undefined
        pending.outcome = claims ? { kind: 'done', claims } : { kind: 'failed', error: new CandorError('unauthenticated', 'the identity provider sent no ID token') }
      })
      .catch((e: unknown) => {
        pending.outcome = { kind: 'failed', error: refusal(e) }
      })
      .finally(() => clearTimeout(timer))
    return { handle, userCode: started.user_code, verificationUri: started.verification_uri, verificationUriComplete: started.verification_uri_complete ?? null, expiresAt, interval: started.interval ?? 5 }
  }

  /** The device flow's state: pending, or its result (handed out once). */
  pollDevice(handle: string): { kind: 'pending' } | { kind: 'done'; org: OrgId; claims: IdTokenClaims } {
    const p = this.#devices.get(handle)
    if (!p) throw new CandorError('not_found', 'no such device sign-in (it ended, expired or was never started)')
    if (p.outcome.kind === 'pending') {
      if (p.expiresAt > this.#now()) return { kind: 'pending' }
      this.#devices.delete(handle)
      throw new CandorError('unauthenticated', 'the device sign-in expired: start again')
    }
    this.#devices.delete(handle)
    if (p.outcome.kind === 'failed') throw p.outcome.error
    return { kind: 'done', org: p.org, claims: p.outcome.claims }
  }

  close(): void {
    for (const p of this.#devices.values()) p.abort.abort()
    this.#devices.clear()
    this.#codes.clear()
  }
}

/** An error of the provider or of a check on its answer, as the caller hears it (the details go to the log only through the message). */
function refusal(e: unknown): CandorError {
  if (e instanceof CandorError) return e
  const err = e as { name?: string; code?: string; error?: string; message?: string; cause?: { claim?: unknown } }
  if (err.name === 'AbortError' || err.error === 'expired_token') return new CandorError('unauthenticated', 'the device sign-in expired: start again')
  if (err.error === 'access_denied') return new CandorError('unauthenticated', 'the sign-in was refused at the identity provider')
  // openid-client wraps oauth4webapi's error, whose message names the claim that failed.
  const inner = err.cause instanceof Error ? err.cause : null
  const claim = inner ? ` (${inner.message})` : typeof err.cause?.claim === 'string' ? ` (claim ${err.cause.claim})` : ''
  return new CandorError('unauthenticated', `the sign-in at the identity provider failed: ${err.error ?? err.code ?? 'error'}: ${err.message ?? ''}${claim}`.trim())
}
