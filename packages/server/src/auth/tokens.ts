// Short-lived session tokens and sign-in challenges: an HMAC over (device, user, expiry) with
// a key from the server's key file, so any node of a cluster can check a token without a
// lookup. Each token names the key that signed it: the newest key signs, every listed key
// verifies, so the key can be rotated without signing everyone out.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { fromBase64Url, toBase64Url, type DeviceId, type UserId } from '@candor/protocol'
import { signingTokenKey, type TokenKey } from '../keys/server-keys.ts'

export interface Session {
  deviceId: DeviceId
  userId: UserId
  expiresAt: number
}

const UTF8 = new TextEncoder()
const UTF8_DECODE = new TextDecoder()

export type ChallengePurpose = 'sign-in' | 'delete-account'
const CHALLENGE_MAC: Record<ChallengePurpose, string> = { 'sign-in': 'challenge', 'delete-account': 'delete-account-challenge' }

export class TokenIssuer {
  readonly #keys: ReadonlyArray<{ id: string; key: Buffer; signsFrom: number }>
  readonly #byId: ReadonlyMap<string, Buffer>

  constructor(keys: readonly TokenKey[]) {
    if (keys.length === 0) throw new Error('at least one token key is required')
    this.#keys = keys.map((k) => {
      if (k.key.length < 32) throw new Error(`token key ${k.id} must be at least 32 bytes`)
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(k.id)) throw new Error('a token key id must be 1-32 base64url characters')
      return { id: k.id, key: Buffer.from(k.key), signsFrom: k.signsFrom }
    })
    this.#byId = new Map(this.#keys.map((k) => [k.id, k.key]))
  }

  static #mac(key: Buffer, kid: string, body: string, purpose: string): Buffer {
    // One update of the same bytes (UTF-8 of the joined string is the parts' UTF-8 joined).
    return createHmac('sha256', key).update(`${purpose}\n${kid}\n${body}`).digest()
  }

  /** `kid.body.mac`: the key id, the base64url body and its MAC under that key. */
  #seal(body: string, purpose: string, now: number): string {
    const k = signingTokenKey(this.#keys, now)
    return `${k.id}.${toBase64Url(UTF8.encode(body))}.${toBase64Url(TokenIssuer.#mac(k.key, k.id, body, purpose))}`
  }

  /** The body of a sealed value if a listed key MACed it for `purpose`, else null. */
  #open(sealed: string, purpose: string): string | null {
    if (typeof sealed !== 'string' || sealed.length > 512) return null
    const parts = sealed.split('.')
    if (parts.length !== 3) return null
    const [kid, b, m] = parts as [string, string, string]
    const key = this.#byId.get(kid)
    const bodyBytes = fromBase64Url(b)
    const mac = fromBase64Url(m)
    if (!key || !bodyBytes || !mac || mac.length !== 32) return null
    const body = UTF8_DECODE.decode(bodyBytes)
    return timingSafeEqual(mac, TokenIssuer.#mac(key, kid, body, purpose)) ? body : null
  }

  issue(s: Session, now = Date.now()): string {
    return this.#seal(`${s.deviceId}.${s.userId}.${s.expiresAt}`, 'session', now)
  }

  /** Returns the session, or null for a forged, malformed or expired token or one of an unknown key. */
  verify(token: string, now = Date.now()): Session | null {
    const body = this.#open(token, 'session')
    if (body === null) return null
    // User ids may contain dots (archive.acme, bot.x); device ids and expiries never do.
    const parts = body.split('.')
    const deviceId = parts[0]
    const exp = parts.at(-1)
    const userId = parts.slice(1, -1).join('.')
    const expiresAt = Number(exp)
    if (!deviceId || !userId || !Number.isSafeInteger(expiresAt) || expiresAt <= now) return null
    return { deviceId: deviceId as DeviceId, userId: userId as UserId, expiresAt }
  }

  /**
   * A stateless challenge: random nonce + expiry, MACed for its purpose (a sign-in challenge is
   * no deletion challenge); single use is enforced by the store.
   */
  challenge(deviceId: string, ttlMs: number, now = Date.now(), purpose: ChallengePurpose = 'sign-in'): { challenge: string; expiresAt: number } {
    const expiresAt = now + ttlMs
    return { challenge: this.#seal(`${deviceId}.${expiresAt}.${toBase64Url(randomBytes(16))}`, CHALLENGE_MAC[purpose], now), expiresAt }
  }

  checkChallenge(deviceId: string, challenge: string, now = Date.now(), purpose: ChallengePurpose = 'sign-in'): { expiresAt: number } | null {
    const body = this.#open(challenge, CHALLENGE_MAC[purpose])
    if (body === null) return null
    const [d, exp] = body.split('.')
    const expiresAt = Number(exp)
    if (d !== deviceId || !Number.isSafeInteger(expiresAt) || expiresAt <= now) return null
    return { expiresAt }
  }
}
