// Binary values in text (JSON bodies, query strings): canonical unpadded base64url only. Decoding
// then re-encoding must give back the same string, so each value has exactly one spelling.
import { fromBase64Url } from './bytes.ts'
import { fieldError } from './field-error.ts'

export type Base64Url = string & { readonly __base64url: true }
/** An Ed25519 public key: 32 bytes. */
export type PublicKeyB64 = Base64Url & { readonly __brand: 'PublicKey' }
/** An Ed25519 signature: 64 bytes. */
export type SignatureB64 = Base64Url & { readonly __brand: 'Signature' }
/** A sign-in challenge the server issued: two base64url parts joined by a dot. */
export type Challenge = string & { readonly __brand: 'Challenge' }

export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const CHALLENGE_MAX_LENGTH = 512

/** Characters of the unpadded base64url of n bytes. */
export function base64UrlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3)
}

function decoded(v: unknown, field: string, maxBytes: number): Uint8Array {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string')
  if (v.length > base64UrlLength(maxBytes)) throw fieldError(field, `must be at most ${maxBytes} bytes`)
  const b = fromBase64Url(v)
  if (!b) throw fieldError(field, 'must be canonical unpadded base64url')
  return b
}

/** Any binary value of at most maxBytes. */
export function parseBase64Url(v: unknown, field = 'value', maxBytes = Number.MAX_SAFE_INTEGER): Base64Url {
  decoded(v, field, maxBytes)
  return v as Base64Url
}

/** A binary value of exactly `bytes` bytes (a hash, a key share). */
export function parseFixedBytes(v: unknown, field: string, bytes: number, what = 'a value'): Base64Url {
  if (decoded(v, field, bytes).length !== bytes) throw fieldError(field, `must be ${what} of ${bytes} bytes`)
  return v as Base64Url
}

/** An Ed25519 public key. Whether the bytes are a point on the curve is left to verification. */
export function parsePublicKey(v: unknown, field = 'publicKey'): PublicKeyB64 {
  return parseFixedBytes(v, field, PUBLIC_KEY_BYTES, 'an Ed25519 public key') as PublicKeyB64
}

export function parseSignature(v: unknown, field = 'signature'): SignatureB64 {
  return parseFixedBytes(v, field, SIGNATURE_BYTES, 'an Ed25519 signature') as SignatureB64
}

export function parseChallenge(v: unknown, field = 'challenge'): Challenge {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string')
  if (v.length > CHALLENGE_MAX_LENGTH) throw fieldError(field, `must be at most ${CHALLENGE_MAX_LENGTH} characters`)
  // `kid.body.mac`: the id of the server key that signed it (docs/server-keys.md), then two
  // canonical base64url parts.
  const parts = v.split('.')
  const [kid, ...rest] = parts
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]{1,32}$/.test(kid!) || rest.some((p) => p.length === 0 || fromBase64Url(p) === null)) {
    throw fieldError(field, 'must be a key id and two canonical base64url parts joined by dots, as the server issued it')
  }
  return v as Challenge
}

/** The bytes of a value a parser above accepted (it cannot fail for those). */
export function base64UrlBytes(v: Base64Url): Uint8Array {
  const b = fromBase64Url(v)
  if (!b) throw fieldError('value', 'must be canonical unpadded base64url')
  return b
}
