// Branded identifiers: a DeviceId cannot be passed where a UserId is expected.
import { fromBase64Url, randomBytes, toBase64Url } from './bytes.ts'

export type UserId = string & { readonly __brand: 'UserId' }
export type DeviceId = string & { readonly __brand: 'DeviceId' }
export type GroupId = string & { readonly __brand: 'GroupId' }
export type MessageId = string & { readonly __brand: 'MessageId' }

/** Lower-case handles: letters, digits, dot, dash, underscore; 1–64 characters. */
export const USER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** 16 random bytes in base64url: 22 characters. */
export const OPAQUE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export function isUserId(s: unknown): s is UserId {
  return typeof s === 'string' && USER_ID_PATTERN.test(s)
}
export function isDeviceId(s: unknown): s is DeviceId {
  return typeof s === 'string' && OPAQUE_ID_PATTERN.test(s) && fromBase64Url(s) !== null
}
export function isGroupId(s: unknown): s is GroupId {
  return typeof s === 'string' && OPAQUE_ID_PATTERN.test(s) && fromBase64Url(s) !== null
}
export function isMessageId(s: unknown): s is MessageId {
  return typeof s === 'string' && OPAQUE_ID_PATTERN.test(s) && fromBase64Url(s) !== null
}

export function newDeviceId(): DeviceId {
  return toBase64Url(randomBytes(16)) as DeviceId
}
export function newGroupId(): GroupId {
  return toBase64Url(randomBytes(16)) as GroupId
}
export function newMessageId(): MessageId {
  return toBase64Url(randomBytes(16)) as MessageId
}
