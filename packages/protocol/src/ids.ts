// Branded identifiers: a DeviceId cannot be passed where a UserId is expected. Device, group
// and message ids are 16 bytes; their one text form is the canonical unpadded base64url
// (22 characters). The 22nd character carries 4 unused bits, so 16 other spellings of every id
// pass a character-class check: only the canonical one is an id, or two strings would name
// one id and a stored non-canonical one could not be put back into a binary frame.
import { fromBase64Url, randomBytes, toBase64Url } from './bytes.ts'
import { fieldError } from './field-error.ts'

export type UserId = string & { readonly __brand: 'UserId' }
export type DeviceId = string & { readonly __brand: 'DeviceId' }
export type GroupId = string & { readonly __brand: 'GroupId' }
export type MessageId = string & { readonly __brand: 'MessageId' }
/** An organisation (tenant): `[a-z0-9][a-z0-9-]{0,62}` (docs/protocol.md §1). */
export type OrgId = string & { readonly __brand: 'OrgId' }

/** The organisation of a fresh server, and of every user created before organisations existed. */
export const DEFAULT_ORG_ID = 'default' as OrgId
const ORG_ID = /^[a-z0-9][a-z0-9-]{0,62}$/

export function isOrgId(v: unknown): v is OrgId {
  return typeof v === 'string' && ORG_ID.test(v)
}
export function parseOrgId(v: unknown, field = 'org'): OrgId {
  if (!isOrgId(v)) throw fieldError(field, 'must be 1-63 of a-z 0-9 -, starting with a letter or digit')
  return v
}

export const OPAQUE_ID_BYTES = 16
const OPAQUE_ID_CHARS = 22

/** The 16 bytes of a canonical opaque id, or null: the single check behind every opaque id parser. */
function tryOpaqueIdBytes(v: unknown): Uint8Array | null {
  if (typeof v !== 'string' || v.length !== OPAQUE_ID_CHARS) return null
  const b = fromBase64Url(v)
  return b !== null && b.length === OPAQUE_ID_BYTES ? b : null
}

/** Decodes an opaque id (device, group or message) to its 16 bytes; throws a field error. */
export function opaqueIdBytes(v: unknown, field: string): Uint8Array {
  const b = tryOpaqueIdBytes(v)
  if (!b) throw fieldError(field, 'must be 16 bytes as canonical unpadded base64url (22 characters)')
  return b
}

/** A 16-byte id of no particular kind (an access receipt's, a consent record's). */
export function parseOpaqueId(v: unknown, field = 'id'): string {
  opaqueIdBytes(v, field)
  return v as string
}

export function parseDeviceId(v: unknown, field = 'deviceId'): DeviceId {
  opaqueIdBytes(v, field)
  return v as DeviceId
}
export function parseGroupId(v: unknown, field = 'groupId'): GroupId {
  opaqueIdBytes(v, field)
  return v as GroupId
}
export function parseMessageId(v: unknown, field = 'messageId'): MessageId {
  opaqueIdBytes(v, field)
  return v as MessageId
}

/** A blob's id (docs/protocol.md §2, blob routes): the form of a MessageId, chosen by the server. */
export function parseBlobId(v: unknown, field = 'blobId'): string {
  opaqueIdBytes(v, field)
  return v as string
}
export function newBlobId(): string {
  return toBase64Url(randomBytes(OPAQUE_ID_BYTES))
}

export function isDeviceId(v: unknown): v is DeviceId {
  return tryOpaqueIdBytes(v) !== null
}
export function isGroupId(v: unknown): v is GroupId {
  return tryOpaqueIdBytes(v) !== null
}
export function isMessageId(v: unknown): v is MessageId {
  return tryOpaqueIdBytes(v) !== null
}

export function newDeviceId(): DeviceId {
  return toBase64Url(randomBytes(OPAQUE_ID_BYTES)) as DeviceId
}
export function newGroupId(): GroupId {
  return toBase64Url(randomBytes(OPAQUE_ID_BYTES)) as GroupId
}
export function newMessageId(): MessageId {
  return toBase64Url(randomBytes(OPAQUE_ID_BYTES)) as MessageId
}
