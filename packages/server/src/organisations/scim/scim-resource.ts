// What SCIM resources have in common: reading a JSON object whose attribute names are
// case-insensitive (RFC 7643 §2.1), the `meta` block, and applying a PATCH (RFC 7644 §3.5.2)
// through scim-patch to a resource's representation.
import { patchBodyValidation, scimPatch, ScimError as PatchError, type ScimPatch, type ScimPatchOperation } from 'scim-patch'
import { ScimError, type ScimType } from './scim-errors.ts'
import { etag } from './scim-ids.ts'

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

export type Json = Record<string, unknown>

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The object's attributes keyed by lower-cased name (a name given twice in two spellings is refused). */
export function attributesOf(body: unknown, schema: string): Map<string, [string, unknown]> {
  if (!isObject(body)) throw new ScimError(400, 'the body must be a JSON object', 'invalidSyntax')
  const out = new Map<string, [string, unknown]>()
  for (const [k, v] of Object.entries(body)) {
    const key = k.toLowerCase()
    if (out.has(key)) throw new ScimError(400, `the attribute ${k} is given twice`, 'invalidSyntax')
    out.set(key, [k, v])
  }
  const schemas = out.get('schemas')?.[1]
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string') || !schemas.includes(schema)) {
    throw new ScimError(400, `schemas must be a list of schema URIs including ${schema}`, 'invalidSyntax')
  }
  return out
}

export function optionalString(a: Map<string, [string, unknown]>, name: string, max: number): string | null {
  const v = a.get(name.toLowerCase())?.[1]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new ScimError(400, `${name} must be a string of 1 to ${max} characters`, 'invalidValue')
  return v
}

export function meta(resourceType: 'User' | 'Group', location: string, r: { createdAt: number; updatedAt: number; version: number }): Json {
  return { resourceType, created: new Date(r.createdAt).toISOString(), lastModified: new Date(r.updatedAt).toISOString(), location, version: etag(r.version) }
}

/** Applies a PatchOp request to a resource's representation; the result is parsed again by the caller. */
export function applyPatch(resource: Json, body: unknown): Json {
  if (!isObject(body)) throw new ScimError(400, 'the body must be a JSON object', 'invalidSyntax')
  const ops = body['Operations'] ?? body['operations']
  const request = { schemas: body['schemas'], Operations: ops } as unknown as ScimPatch
  try {
    patchBodyValidation(request)
    // Operation names are case-insensitive (RFC 7644 §3.5.2); the library knows two spellings.
    const operations = (ops as Json[]).map((o) => ({ ...o, op: typeof o['op'] === 'string' ? o['op'].toLowerCase() : o['op'] })) as unknown as ScimPatchOperation[]
    return scimPatch(structuredClone(resource) as never, operations, { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Json
  } catch (e) {
    if (e instanceof PatchError) {
      const type = (e.scimCode ?? 'invalidValue') as ScimType
      throw new ScimError(400, e.message || 'invalid PATCH request', type)
    }
    if (e instanceof ScimError) throw e
    throw new ScimError(400, `invalid PATCH request: ${(e as Error).message}`, 'invalidSyntax')
  }
}

/** `startIndex` (1-based) and `count` of a list request (RFC 7644 §3.4.2.4): out-of-range values are clamped, as the RFC says. */
export function paging(q: Json, max: number): { offset: number; count: number } {
  const num = (v: unknown, name: string): number | null => {
    if (v === undefined) return null
    const n = typeof v === 'string' && /^-?\d{1,9}$/.test(v) ? Number(v) : NaN
    if (!Number.isSafeInteger(n)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue')
    return n
  }
  const start = Math.max(1, num(q['startIndex'], 'startIndex') ?? 1)
  const count = Math.min(max, Math.max(0, num(q['count'], 'count') ?? max))
  return { offset: start - 1, count }
}

export function listResponse(total: number, offset: number, resources: Json[]): Json {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex: offset + 1, itemsPerPage: resources.length, Resources: resources }
}
