// `filter` of a list request (RFC 7644 §3.4.2.2), parsed by scim2-parse-filter. `eq` on the
// attributes the store indexes (User: userName, externalId; Group: displayName, externalId), alone
// or joined by `and`, is answered by the store; any other filter is evaluated by the library over
// the organisation's resources.
import { filter as compile, parse, type Filter } from 'scim2-parse-filter'
import { normaliseUserName } from '@candor/protocol'
import { ScimError } from './scim-errors.ts'

export type Query<W> = { kind: 'where'; where: W } | { kind: 'none' } | { kind: 'scan'; test: (resource: object) => boolean }

function parsed(text: unknown): Filter | undefined {
  if (text === undefined) return undefined
  if (typeof text !== 'string' || text.length > 2048) throw new ScimError(400, 'filter must be a string of at most 2048 characters', 'invalidFilter')
  try {
    return parse(text)
  } catch (e) {
    throw new ScimError(400, `the filter is not valid: ${(e as Error).message}`, 'invalidFilter')
  }
}

/** The `eq` comparisons of a filter made only of them (joined by `and`), by lower-cased attribute; null otherwise. */
function equalities(f: Filter): Map<string, string> | null {
  const parts = f.op === 'and' ? (f as { filters: Filter[] }).filters : [f]
  const out = new Map<string, string>()
  for (const p of parts) {
    if (p.op !== 'eq') return null
    const c = p as { attrPath: string; compValue: unknown }
    if (typeof c.compValue !== 'string') return null
    const key = c.attrPath.toLowerCase()
    if (out.has(key)) return null
    out.set(key, c.compValue)
  }
  return out
}

export function userQuery(text: unknown): Query<{ userId?: ReturnType<typeof normaliseUserName>; externalId?: string }> {
  const f = parsed(text)
  if (!f) return { kind: 'where', where: {} }
  const eq = equalities(f)
  if (eq && [...eq.keys()].every((k) => k === 'username' || k === 'externalid')) {
    const where: { userId?: ReturnType<typeof normaliseUserName>; externalId?: string } = {}
    const name = eq.get('username')
    if (name !== undefined) {
      // userName is not case-exact (RFC 7643 §4.1.1): compared as the user id it would make.
      try {
        where.userId = normaliseUserName(name)
      } catch {
        return { kind: 'none' }
      }
    }
    const ext = eq.get('externalid')
    if (ext !== undefined) where.externalId = ext
    return { kind: 'where', where }
  }
  return { kind: 'scan', test: compile(f) }
}

export function groupQuery(text: unknown): Query<{ displayName?: string; externalId?: string }> {
  const f = parsed(text)
  if (!f) return { kind: 'where', where: {} }
  const eq = equalities(f)
  if (eq && [...eq.keys()].every((k) => k === 'displayname' || k === 'externalid')) {
    const where: { displayName?: string; externalId?: string } = {}
    if (eq.has('displayname')) where.displayName = eq.get('displayname')!
    if (eq.has('externalid')) where.externalId = eq.get('externalid')!
    return { kind: 'where', where }
  }
  return { kind: 'scan', test: compile(f) }
}
