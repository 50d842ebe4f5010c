// Free text that people see: device names and case references. Length is counted in Unicode
// code points (not UTF-16 units or UTF-8 bytes), so every script gets the same room and no
// limit falls inside a character. Control characters, line separators and bidirectional
// overrides are refused (they can make "approve device X" show something other than X), as
// are lone surrogates and surrounding white space. The text is not normalised: it is signed as
// sent (enrolment statements), and NFC or NFD of a name display alike.
import { fieldError } from './field-error.ts'

export const DEVICE_NAME_MAX = 64
export const CASE_REF_MAX = 128

// \p{Cc}: C0/C1 controls and DEL. U+2028/2029: line and paragraph separators. U+202A–202E and
// U+2066–2069: bidirectional embeddings, overrides and isolates. \p{Cs}: lone surrogates.
const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u

function displayTextProblem(v: unknown, maxCodePoints: number): string | null {
  if (typeof v !== 'string') return 'must be a string'
  // A cheap cap before the scan below: a code point is at most 2 UTF-16 units.
  if (v.length === 0 || v.length > 2 * maxCodePoints) return `must be 1-${maxCodePoints} characters`
  let n = 0
  for (const _ of v) n++
  if (n > maxCodePoints) return `must be 1-${maxCodePoints} characters`
  if (FORBIDDEN.test(v)) return 'must not contain control, separator or bidirectional-override characters'
  if (v.trim() !== v) return 'must not start or end with white space'
  return null
}

export function parseDeviceName(v: unknown, field = 'deviceName'): string {
  const problem = displayTextProblem(v, DEVICE_NAME_MAX)
  if (problem !== null) throw fieldError(field, problem)
  return v as string
}

/** The case or ticket an administrator's access is made under (free text, e.g. "INC-2291"). */
export function parseCaseRef(v: unknown, field = 'case'): string {
  const problem = displayTextProblem(v, CASE_REF_MAX)
  if (problem !== null) throw fieldError(field, problem)
  return v as string
}
