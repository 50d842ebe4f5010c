// The SCIM User resource (RFC 7643 §4.1) as Candor keeps it: `userName` is the person's Candor
// user id (normalised: trimmed, lower-cased, NFC; `local@domain` works), `externalId` the identity
// provider's id for them, `active` whether they may use Candor. Every other attribute (name,
// displayName, emails, the enterprise extension, …) is kept as sent and given back; `password` is
// never stored (Candor has none) and `groups` is read-only (not listed: Group resources hold members).
import { normaliseUserName, type UserId } from '@candor/protocol'
import type { ScimUserRecord } from '@candor/ports'
import { ScimError } from './scim-errors.ts'
import { attributesOf, isObject, meta, optionalString, type Json } from './scim-resource.ts'

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
/** Attributes the server sets or reads itself; never kept among the free attributes. */
const OWN = new Set(['schemas', 'id', 'meta', 'username', 'externalid', 'active', 'password', 'groups'])
export const MAX_EXTERNAL_ID = 512

export interface UserInput {
  userId: UserId
  externalId: string | null
  active: boolean
  /** The other attributes, as JSON text. */
  attributes: string
}

function activeOf(v: unknown): boolean {
  if (v === undefined || v === null) return true
  if (typeof v === 'boolean') return v
  // Some identity providers send "True"/"False" in a PATCH value.
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true'
  throw new ScimError(400, 'active must be a boolean', 'invalidValue')
}

export function parseUser(body: unknown): UserInput {
  const a = attributesOf(body, USER_SCHEMA)
  const name = a.get('username')?.[1]
  if (typeof name !== 'string') throw new ScimError(400, 'userName is required (a string)', 'invalidValue')
  let userId: UserId
  try {
    userId = normaliseUserName(name)
  } catch (e) {
    throw new ScimError(400, `userName ${(e as Error).message.replace(/^userName:?\s*/, '')}`, 'invalidValue')
  }
  const rest: Json = {}
  for (const [key, [k, v]] of a) {
    if (OWN.has(key)) continue
    if (key === 'displayname' && v !== null && typeof v !== 'string') throw new ScimError(400, 'displayName must be a string', 'invalidValue')
    if (key === 'name' && v !== null && !isObject(v)) throw new ScimError(400, 'name must be an object', 'invalidValue')
    rest[k] = v
  }
  return { userId, externalId: optionalString(a, 'externalId', MAX_EXTERNAL_ID), active: activeOf(a.get('active')?.[1]), attributes: JSON.stringify(rest) }
}

export function userLocation(base: string, id: string): string {
  return `${base}/scim/v2/Users/${id}`
}

export function userResource(u: ScimUserRecord, base: string): Json {
  const attrs = JSON.parse(u.attributes) as Json
  const extensions = Object.keys(attrs).filter((k) => k.startsWith('urn:'))
  return {
    ...attrs,
    schemas: [USER_SCHEMA, ...extensions],
    id: u.id,
    ...(u.externalId !== null ? { externalId: u.externalId } : {}),
    userName: u.userId,
    active: u.active,
    meta: meta('User', userLocation(base, u.id), u),
  }
}
