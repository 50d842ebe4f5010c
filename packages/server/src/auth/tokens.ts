// Short-lived session tokens: an HMAC over (device, user, expiry) with a secret kept in the
// store, so any node of a cluster can check a token without a lookup.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { fromBase64Url, toBase64Url, type DeviceId, type UserId } from '@candor/protocol'

export interface Session {
  deviceId: DeviceId
  userId: UserId
  expiresAt: number
}

export class TokenIssuer {
  readonly #key: Buffer

  constructor(secretB64: string) {
    const key = fromBase64Url(secretB64)
    if (!key || key.length < 32) throw new Error('token secret must be at least 32 bytes')
    this.#key = Buffer.from(key)
  }

  static newSecret(): string {
    return toBase64Url(randomBytes(32))
  }

  #mac(body: string, purpose: string): Buffer {
    return createHmac('sha256', this.#key).update(purpose).update('\n').update(body).digest()
  }

  issue(s: Session): string {
    const body = `${s.deviceId}.${s.userId}.${s.expiresAt}`
    return `${toBase64Url(new TextEncoder().encode(body))}.${toBase64Url(this.#mac(body, 'session'))}`
  }

  /** Returns the session, or null for a forged, malformed or expired token. */
  verify(token: string, now = Date.now()): Session | null {
    if (typeof token !== 'string' || token.length > 512) return null
    const [b, m] = token.split('.')
    if (!b || !m) return null
    const bodyBytes = fromBase64Url(b)
    const mac = fromBase64Url(m)
    if (!bodyBytes || !mac || mac.length !== 32) return null
    const body = new TextDecoder().decode(bodyBytes)
    if (!timingSafeEqual(mac, this.#mac(body, 'session'))) return null
    // User ids may contain dots (archive.acme, bot.x); device ids and expiries never do.
    const parts = body.split('.')
    const deviceId = parts[0]
    const exp = parts.at(-1)
    const userId = parts.slice(1, -1).join('.')
    const expiresAt = Number(exp)
    if (!deviceId || !userId || !Number.isSafeInteger(expiresAt) || expiresAt <= now) return null
    return { deviceId: deviceId as DeviceId, userId: userId as UserId, expiresAt }
  }

  /** A stateless challenge: random nonce + expiry, MACed; single use is enforced by the store. */
  challenge(deviceId: string, ttlMs: number, now = Date.now()): { challenge: string; expiresAt: number } {
    const expiresAt = now + ttlMs
    const body = `${deviceId}.${expiresAt}.${toBase64Url(randomBytes(16))}`
    return { challenge: `${toBase64Url(new TextEncoder().encode(body))}.${toBase64Url(this.#mac(body, 'challenge'))}`, expiresAt }
  }

  checkChallenge(deviceId: string, challenge: string, now = Date.now()): { expiresAt: number } | null {
    const [b, m] = challenge.split('.')
    if (!b || !m) return null
    const bodyBytes = fromBase64Url(b)
    const mac = fromBase64Url(m)
    if (!bodyBytes || !mac || mac.length !== 32) return null
    const body = new TextDecoder().decode(bodyBytes)
    if (!timingSafeEqual(mac, this.#mac(body, 'challenge'))) return null
    const [d, exp] = body.split('.')
    const expiresAt = Number(exp)
    if (d !== deviceId || !Number.isSafeInteger(expiresAt) || expiresAt <= now) return null
    return { expiresAt }
  }
}
