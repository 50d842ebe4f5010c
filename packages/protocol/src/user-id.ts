// User ids: `local` or `local@domain`, lower-case ASCII only. The domain form lets an
// organisation use its people's e-mail-like names (SCIM userName) and lets the same local name
// exist in two organisations. The parser accepts only the canonical spelling and never
// rewrites what it is given; turning a typed name into an id is normaliseUserName's job, and
// the server's API never calls that (a client that sends "Alice" gets an error, not "alice").
import type { UserId } from './ids.ts'
import { fieldError } from './field-error.ts'

export const USER_ID_MAX_LENGTH = 254
const LOCAL = /^[a-z0-9][a-z0-9._+-]{0,63}$/
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

function userIdProblem(v: unknown): string | null {
  if (typeof v !== 'string') return 'must be a string'
  if (v.length === 0) return 'must not be empty'
  if (v.length > USER_ID_MAX_LENGTH) return `must be at most ${USER_ID_MAX_LENGTH} characters`
  if (/[A-Z]/.test(v)) return 'must be lower case'
  const at = v.indexOf('@')
  const local = at < 0 ? v : v.slice(0, at)
  if (!LOCAL.test(local)) return 'must start with 1-64 of a-z 0-9 . _ + - (the first a letter or digit), optionally followed by @domain'
  if (at < 0) return null
  // The 254-character bound on the whole id keeps the domain within DNS's 253.
  return domainProblem(v.slice(at + 1))
}

function domainProblem(v: string): string | null {
  if (v.length > 253) return 'domain must be at most 253 characters'
  const labels = v.split('.')
  if (labels.length < 2) return 'domain must have at least two labels (example.org)'
  if (!labels.every((l) => LABEL.test(l))) return 'domain labels must be 1-63 of a-z 0-9 -, not starting or ending with -'
  return null
}

/** A domain as in a user id (`acme.example`): what an organisation verifies. */
export function parseDomain(v: unknown, field = 'domain'): string {
  const problem = typeof v !== 'string' ? 'must be a string' : /[A-Z]/.test(v) ? 'must be lower case' : domainProblem(v)
  if (problem !== null) throw fieldError(field, problem)
  return v as string
}

/** The domain of a `local@domain` id, null for an id without one. */
export function userIdDomain(userId: UserId): string | null {
  const at = userId.indexOf('@')
  return at < 0 ? null : userId.slice(at + 1)
}

export function parseUserId(v: unknown, field = 'userId'): UserId {
  const problem = userIdProblem(v)
  if (problem !== null) throw fieldError(field, problem)
  return v as UserId
}

export function isUserId(v: unknown): v is UserId {
  return userIdProblem(v) === null
}

/**
 * A user id from a name a person typed or an identity provider sent (SCIM userName): trimmed,
 * lower-cased and NFC-normalised, then parsed. Not for the server's API: there an id that is
 * not canonical is refused. Internationalised domains must arrive in their xn-- form.
 */
export function normaliseUserName(s: string, field = 'userName'): UserId {
  return parseUserId(s.trim().toLowerCase().normalize('NFC'), field)
}
