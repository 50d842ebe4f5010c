// OpenID Connect Back-Channel Logout 1.0 (§2.6): the logout token is a JWT signed by the
// provider (its JWKS, asymmetric algorithms only), whose iss is the organisation's provider and
// aud its client id, with iat, a jti never seen before, the back-channel-logout event, a sub or
// a sid, and no nonce. Each jti is used once (Store.consumeNonce) for as long as a token lives.
import type { JWTPayload, createRemoteJWKSet } from 'jose'
import { CandorError, type OrgId } from '@candor/protocol'
import type { Store } from '@candor/ports'
import { CLOCK_TOLERANCE_S } from './relying-party.ts'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']
/** A logout token older than this is refused (its jti is remembered this long). */
export const LOGOUT_TOKEN_MAX_AGE_S = 5 * 60

export interface LogoutClaims {
  iss: string
  sub?: string
  sid?: string
  jti: string
}

// jose is loaded with the first logout token, not at start (as openid-client is; relying-party.ts).
let joseModule: Promise<typeof import('jose')> | undefined
const loadJose = (): Promise<typeof import('jose')> => (joseModule ??= import('jose'))

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>()

function jwksOf(jose: typeof import('jose'), uri: string): ReturnType<typeof createRemoteJWKSet> {
  let j = jwksCache.get(uri)
  if (!j) {
    j = jose.createRemoteJWKSet(new URL(uri), { timeoutDuration: 5_000 })
    jwksCache.set(uri, j)
  }
  return j
}

const bad = (why: string) => new CandorError('bad_request', `logout token refused: ${why}`)

export async function verifyLogoutToken(store: Store, org: OrgId, token: string, issuer: string, jwksUri: string, clientId: string, now = Date.now()): Promise<LogoutClaims> {
  const jose = await loadJose()
  const { errors } = jose
  let payload: JWTPayload
  try {
    ;({ payload } = await jose.jwtVerify(token, jwksOf(jose, jwksUri), {
      issuer,
      audience: clientId,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: LOGOUT_TOKEN_MAX_AGE_S,
      requiredClaims: ['iat', 'jti', 'events'],
      currentDate: new Date(now),
    }))
  } catch (e) {
    if (e instanceof errors.JWTClaimValidationFailed) throw bad(`${e.claim}: ${e.reason}`)
    if (e instanceof errors.JOSEError) throw bad(e.code)
    throw bad('not a signed JWT')
  }
  const events = payload['events']
  if (typeof events !== 'object' || events === null || Array.isArray(events) || typeof (events as Record<string, unknown>)[EVENT] !== 'object' || (events as Record<string, unknown>)[EVENT] === null) {
    throw bad(`events must hold ${EVENT}`)
  }
  if ('nonce' in payload) throw bad('a logout token must not hold a nonce')
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined
  const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined
  if (sub === undefined && sid === undefined) throw bad('it names neither sub nor sid')
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw bad('jti')
  const remember = ((payload.iat as number) + LOGOUT_TOKEN_MAX_AGE_S + CLOCK_TOLERANCE_S) * 1000
  if (!(await store.consumeNonce(`sso-logout:${org}:${payload.jti}`, Math.max(remember, now + 1000)))) throw bad('this jti was already used')
  return { iss: payload.iss!, jti: payload.jti, ...(sub !== undefined ? { sub } : {}), ...(sid !== undefined ? { sid } : {}) }
}
