// Web Push (RFC 8030, RFC 8291 message encryption, RFC 8292 VAPID): what a device registers so
// the server can wake it while it is offline. The push itself carries no content and no sender
// (docs/protocol.md, "Web Push"); these are only the push service's address and the browser's
// keys for it, as PushSubscription.toJSON() gives them.
import { z } from 'zod'
import { fieldError } from './field-error.ts'
import { parseFixedBytes, type Base64Url } from './binary-fields.ts'
import { stringField } from './field-schemas.ts'

export const PUSH_ENDPOINT_MAX_LENGTH = 1024
/** The browser's P-256 key, uncompressed (RFC 8291 `ua_public`). */
export const PUSH_P256DH_BYTES = 65
/** RFC 8291's authentication secret. */
export const PUSH_AUTH_BYTES = 16

/**
 * A push service URL: absolute, https (http only where the server allows it, for tests on
 * loopback), no credentials, no fragment.
 */
export function parsePushEndpoint(v: unknown, field = 'endpoint'): string {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string')
  if (v.length > PUSH_ENDPOINT_MAX_LENGTH) throw fieldError(field, `must be at most ${PUSH_ENDPOINT_MAX_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(v)
  } catch {
    throw fieldError(field, 'must be an absolute URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fieldError(field, 'must be an https URL')
  if (url.username !== '' || url.password !== '' || url.hash !== '') throw fieldError(field, 'must have no credentials and no fragment')
  return v
}

export function parsePushP256dh(v: unknown, field = 'keys.p256dh'): Base64Url {
  const b = parseFixedBytes(v, field, PUSH_P256DH_BYTES, 'an uncompressed P-256 public key')
  if (!String(b).startsWith('B')) throw fieldError(field, 'must be an uncompressed P-256 public key (first byte 0x04)')
  return b
}

export function parsePushAuth(v: unknown, field = 'keys.auth'): Base64Url {
  return parseFixedBytes(v, field, PUSH_AUTH_BYTES, 'an authentication secret')
}

/** PUT /v1/devices/:deviceId/push-subscription: PushSubscription.toJSON() (expirationTime ignored). */
export const putPushSubscriptionRequest = z.strictObject({
  endpoint: stringField(parsePushEndpoint, PUSH_ENDPOINT_MAX_LENGTH),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: stringField(parsePushP256dh, 88),
    auth: stringField(parsePushAuth, 22),
  }),
})
export type PutPushSubscriptionRequest = z.input<typeof putPushSubscriptionRequest>

/** GET /v1/push/vapid-key: the server's VAPID public key (uncompressed P-256, base64url), the `applicationServerKey`. */
export interface VapidKeyResponse {
  publicKey: string
}
