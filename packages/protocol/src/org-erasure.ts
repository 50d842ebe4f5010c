// The erasure notice (docs/protocol.md §11.12): before a member of an organisation whose policy
// names a compliance archive is erased, the server signs a notice with the access log's key,
// as a C2SP signed note under the name `candor/org-erasure/<org>`, and writes it to the
// organisation's audit trail (action `account.erase`). The archive deletes what the person sent
// only on a notice it can verify: signed by the access-log key it pinned, in the signed trail.
import { isOrgId } from './ids.ts'
import { isUserId } from './user-id.ts'

/** The signed note's name (and key name) of an organisation's erasure notices. */
export const orgErasureKeyName = (org: string): string => `candor/org-erasure/${org}`

const HEADER = 'candor/org-erasure/v1'

export interface ErasureNotice {
  org: string
  /** The erased person's user id. */
  person: string
  /** When the erasure was decided (ms). */
  at: number
}

/** The note text of a notice: header, `org <org>`, `person <user>`, `at <ms>`. */
export function erasureNoticeText(n: ErasureNotice): string {
  return `${HEADER}\norg ${n.org}\nperson ${n.person}\nat ${n.at}\n`
}

/** Parses a notice's text (already opened); null when it is not exactly one. */
export function parseErasureNoticeText(text: string): ErasureNotice | null {
  const m = /^candor\/org-erasure\/v1\norg ([^\n]+)\nperson ([^\n]+)\nat (0|[1-9][0-9]{0,14})\n$/.exec(text)
  if (!m || !isOrgId(m[1]) || !isUserId(m[2])) return null
  const n = { org: m[1], person: m[2], at: Number(m[3]) }
  return erasureNoticeText(n) === text ? n : null
}

/** The `details` of an `account.erase` audit entry: the signed notice and the holds that keep some of the person's records. */
export interface ErasureAuditDetails {
  notice: string
  holds: string[]
}
