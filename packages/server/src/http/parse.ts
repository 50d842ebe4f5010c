// Validation of request bodies and route parameters at the HTTP boundary. Both go through the
// field parsers of @candor/protocol, the same ones the frames and every other reader use.
import type { z } from 'zod'
import { CandorError } from '@candor/protocol'

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body)
  if (!r.success) {
    const issue = r.error.issues[0]
    const where = issue?.path.join('.') || 'body'
    throw new CandorError('bad_request', `${where}: ${issue?.message ?? 'invalid'}`)
  }
  return r.data
}

/** The route parameter `name`, checked by its field parser. */
export function parseParam<T>(params: unknown, name: string, parse: (v: unknown, field: string) => T): T {
  const v = typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[name] : undefined
  return parse(v, name)
}
