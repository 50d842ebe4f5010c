// Readers for the fields of message content. Each takes the field's path (e.g.
// "replyTo.excerpt") and either returns the value, typed, or throws a CandorError that names
// the field, so a refused message says exactly what was wrong with it.
import { fromBase64Url, utf8 } from '../bytes.ts'
import { CandorError } from '../errors.ts'
import { isDeviceId, isGroupId, isMessageId, type DeviceId, type GroupId, type MessageId, type UserId } from '../ids.ts'
import { isUserId } from '../user-id.ts'
import type { CheckpointRef, LeaveContent, Seen } from './content-types.ts'

export type Fields = Readonly<Record<string, unknown>>

/** The fields every content has, already read: what each type's decoder adds its own to. */
export type CommonFields = Omit<LeaveContent, 'type'>

export function refuse(field: string, problem: string): CandorError {
  return new CandorError('invalid_mls_message', `message content field "${field}" ${problem}`, { details: { field } })
}

export function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function fields(v: unknown, field: string): Fields {
  if (!isFields(v)) throw refuse(field, 'must be an object')
  return v
}

/** Whether the key is present (JSON has no undefined; an explicit null counts as present). */
export function has(o: Fields, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined
}

/**
 * Reads an optional field; absent stays absent (spread into the result, so no key holds
 * undefined). `prefix` is the path of the object the field is in, with its trailing dot.
 */
export function optional<K extends string, T>(o: Fields, key: K, prefix: string, read: (v: unknown, field: string) => T): { [P in K]?: T } {
  return (has(o, key) ? { [key]: read(o[key], prefix + key) } : {}) as { [P in K]?: T }
}

export function nullable<T>(read: (v: unknown, field: string) => T): (v: unknown, field: string) => T | null {
  return (v, field) => (v === null ? null : read(v, field))
}

export function boolean(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw refuse(field, 'must be true or false')
  return v
}

export function integer(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw refuse(field, 'must be a whole number')
  if (v < min || v > max) throw refuse(field, `must be between ${min} and ${max}`)
  return v
}

export function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw refuse(field, `must be one of ${values.join(', ')}`)
  return v as T
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw refuse(field, 'must be a string')
  return v
}

export function utf8Length(s: string): number {
  return utf8(s).length
}

/** A string of at most `maxBytes` UTF-8 bytes (message bodies). */
export function textOfBytes(v: unknown, field: string, maxBytes: number): string {
  const s = str(v, field)
  // Every UTF-16 unit is at most 3 UTF-8 bytes: short strings need no encoding to check.
  if (s.length * 3 > maxBytes && utf8Length(s) > maxBytes) throw refuse(field, `is longer than ${maxBytes} UTF-8 bytes`)
  return s
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** A string of at most `maxChars` Unicode code points; `name`: 1 or more, and no control characters. */
export function textOfChars(v: unknown, field: string, maxChars: number, opts: { name?: boolean } = {}): string {
  const s = str(v, field)
  if (s.length > maxChars * 2 || (s.length > maxChars && [...s].length > maxChars)) throw refuse(field, `is longer than ${maxChars} characters`)
  if (opts.name && (s.length === 0 || CONTROL.test(s))) throw refuse(field, 'must be 1 or more characters without control characters')
  return s
}

export function messageId(v: unknown, field: string): MessageId {
  if (!isMessageId(v)) throw refuse(field, 'must be a message id (22 characters of base64url)')
  return v
}

export function userId(v: unknown, field: string): UserId {
  if (!isUserId(v)) throw refuse(field, 'must be a user id')
  return v
}

export function deviceId(v: unknown, field: string): DeviceId {
  if (!isDeviceId(v)) throw refuse(field, 'must be a device id')
  return v
}

export function groupId(v: unknown, field: string): GroupId {
  if (!isGroupId(v)) throw refuse(field, 'must be a group id')
  return v
}

/** A BlobId has the form of a MessageId (§1); ids.ts has no parser of its own for it yet. */
export function blobId(v: unknown, field: string): string {
  if (!isMessageId(v)) throw refuse(field, 'must be a blob id (22 characters of base64url)')
  return v
}

const ORG_ID = /^[a-z0-9][a-z0-9-]{0,62}$/

/** §1's OrgId form; ids.ts has no parser of its own for it yet. */
export function orgId(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ORG_ID.test(v)) throw refuse(field, 'must be an organisation id')
  return v
}

/** Canonical unpadded base64url of exactly `n` bytes. */
export function base64Bytes(v: unknown, field: string, n: number): string {
  const b = typeof v === 'string' && v.length === Math.ceil((n * 4) / 3) ? fromBase64Url(v) : null
  if (!b || b.length !== n) throw refuse(field, `must be ${n} bytes in canonical base64url`)
  return v as string
}

export function list<T>(v: unknown, field: string, min: number, max: number, item: (x: unknown, field: string) => T): T[] {
  if (!Array.isArray(v)) throw refuse(field, 'must be a list')
  if (v.length < min || v.length > max) throw refuse(field, `must hold ${min === 0 ? 'at most' : `${min} to`} ${max} items`)
  return v.map((x, i) => item(x, `${field}[${i}]`))
}

export function checkpointRef(v: unknown, field: string): CheckpointRef {
  const o = fields(v, field)
  return { size: integer(o.size, `${field}.size`, 0), root: base64Bytes(o.root, `${field}.root`, 32) }
}

export function seen(v: unknown, field: string): Seen {
  const o = fields(v, field)
  return { ...optional(o, 'directory', `${field}.`, checkpointRef), ...optional(o, 'accessLog', `${field}.`, checkpointRef) }
}
