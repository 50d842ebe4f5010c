// SCIM resource ids and token ids: 12 random bytes as base64url, assigned by the server.
import { randomBytes, toBase64Url } from '@candor/protocol'
import { ScimError } from './scim-errors.ts'

const ID = /^[A-Za-z0-9_-]{16}$/

export const newScimResourceId = (): string => toBase64Url(randomBytes(12))

/** A resource id from a path or a member reference; an id of another form names nothing (404). */
export function parseScimResourceId(v: unknown, what: string): string {
  if (typeof v !== 'string' || !ID.test(v)) throw new ScimError(404, `no such ${what}`)
  return v
}

/** The version an `If-Match` header asks for: null for none or `*`; a header naming no version of ours never matches. */
export function ifMatch(header: string | string[] | undefined): number | null | 'never' {
  if (header === undefined) return null
  const v = (Array.isArray(header) ? header.join(',') : header).trim()
  if (v === '*') return null
  const m = /^(?:W\/)?"(\d{1,15})"$/.exec(v)
  return m ? Number(m[1]) : 'never'
}

export const etag = (version: number): string => `W/"${version}"`
