// Finding people in one's own organisation (issue 15 "People and conversations"):
// `GET /v1/people?prefix=…` lists the caller's organisation's members whose user id starts
// with the prefix (docs/protocol.md §8). Display names are end-to-end encrypted (`profile`
// content), so the server knows only user ids.
import { z } from 'zod'
import { fieldError } from './field-error.ts'
import { USER_ID_MAX_LENGTH } from './user-id.ts'
import { textOfChars } from './content/content-fields.ts'
import { CONTENT_LIMITS } from './content/content-types.ts'

export const PEOPLE_LIMIT = 20

/** A prefix of a canonical user id: 1–254 characters of those a user id may hold (lower case). */
export function parseUserIdPrefix(v: unknown, field = 'prefix'): string {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string')
  if (v.length === 0 || v.length > USER_ID_MAX_LENGTH) throw fieldError(field, `must be 1 to ${USER_ID_MAX_LENGTH} characters`)
  if (!/^[a-z0-9._+@-]+$/.test(v)) throw fieldError(field, 'may hold only a-z, 0-9 and . _ + @ - (user ids are lower case)')
  return v
}

export const peopleResponse = z.object({
  people: z.array(z.object({ userId: z.string() })),
})
export type PeopleResponse = z.infer<typeof peopleResponse>

/** A display name a person sets (docs/protocol.md §2 `profile`): trimmed, 1–64 characters, no control characters. */
export function parseDisplayName(v: unknown, field = 'displayName'): string {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string')
  const s = v.trim().normalize('NFC')
  try {
    return textOfChars(s, field, CONTENT_LIMITS.displayNameChars, { name: true })
  } catch {
    throw fieldError(field, `must be 1 to ${CONTENT_LIMITS.displayNameChars} characters without control characters`)
  }
}
