// The SCIM Group resource (RFC 7643 §4.2): a display name and members, each a User of the same
// organisation (`value` is the User's SCIM id). Groups are stored only: they map to no
// conversation yet (docs/organisations.md).
import type { ScimGroupRecord } from '@candor/ports'
import { ScimError } from './scim-errors.ts'
import { attributesOf, isObject, meta, optionalString, type Json } from './scim-resource.ts'
import { userLocation } from './scim-users.ts'

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const MAX_GROUP_MEMBERS = 10_000

export interface GroupInput {
  displayName: string
  externalId: string | null
  members: string[]
}

export function parseGroup(body: unknown): GroupInput {
  const a = attributesOf(body, GROUP_SCHEMA)
  const displayName = optionalString(a, 'displayName', 256)
  if (displayName === null) throw new ScimError(400, 'displayName is required', 'invalidValue')
  const raw = a.get('members')?.[1] ?? []
  if (!Array.isArray(raw)) throw new ScimError(400, 'members must be a list', 'invalidValue')
  if (raw.length > MAX_GROUP_MEMBERS) throw new ScimError(400, `a group has at most ${MAX_GROUP_MEMBERS} members`, 'invalidValue')
  const members = raw.map((m) => {
    const v = isObject(m) ? m['value'] : undefined
    if (typeof v !== 'string' || v.length === 0) throw new ScimError(400, 'each member must be { "value": a User id }', 'invalidValue')
    return v
  })
  return { displayName, externalId: optionalString(a, 'externalId', 512), members: [...new Set(members)].sort() }
}

export function groupResource(g: ScimGroupRecord, base: string): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: g.id,
    ...(g.externalId !== null ? { externalId: g.externalId } : {}),
    displayName: g.displayName,
    members: g.members.map((m) => ({ value: m, $ref: userLocation(base, m), type: 'User' })),
    meta: meta('Group', `${base}/scim/v2/Groups/${g.id}`, g),
  }
}
