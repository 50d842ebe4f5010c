// A device id is derived from the device's Ed25519 public key, so a device knows its own id
// before the server has ever seen it and the server cannot assign one key two ids.
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, toBase64Url, utf8 } from './bytes.ts'
import type { DeviceId } from './ids.ts'

const DOMAIN = utf8('candor/device-id/v1')

export function deviceIdFromKey(publicKey: Uint8Array): DeviceId {
  return toBase64Url(sha256(concatBytes(DOMAIN, publicKey)).subarray(0, 16)) as DeviceId
}

/**
 * Stands in for the sender of queued messages (and the owner of attachments) whose account was
 * erased: sixteen zero bytes, a well-formed id that no key derives to in practice.
 */
export const ERASED_DEVICE_ID = 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId

const ERASED_USER_DOMAIN = utf8('candor/erased-user-id/v1\n')

/**
 * What a store keeps of an erased account's user id to refuse it to anyone else for good:
 * SHA-256 under its own domain label, as unpadded base64url (not the id itself).
 */
export function erasedUserIdDigest(userId: string): string {
  return toBase64Url(sha256(concatBytes(ERASED_USER_DOMAIN, utf8(userId))))
}
