// Validation of request bodies and parameters at the HTTP boundary.
import type { z } from 'zod'
import { CandorError, fromBase64Url } from '@candor/protocol'

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body)
  if (!r.success) {
    const issue = r.error.issues[0]
    const where = issue?.path.join('.') || 'body'
    throw new CandorError('bad_request', `${where}: ${issue?.message ?? 'invalid'}`)
  }
  return r.data
}

export function parseParam<T extends string>(value: unknown, check: (v: unknown) => v is T, what: string): T {
  if (!check(value)) throw new CandorError('bad_request', `${what} is malformed`)
  return value
}

/** Decodes base64url that the schema already shape-checked; rejects non-canonical forms. */
export function bytesOf(b64: string, what: string): Uint8Array {
  const b = fromBase64Url(b64)
  if (!b) throw new CandorError('bad_request', `${what} is not canonical base64url`)
  return b
}
