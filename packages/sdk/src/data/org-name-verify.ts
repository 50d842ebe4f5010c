// The name of a person's own organisation as served (protocol.md §4.9 "The organisation's name"):
// its `org.create` audit entry at index 0, proven against a checkpoint signed by the pinned
// access-log key. Clients show the name where they would show the id; null when the log does not
// begin with one (then the id is shown). A failed check is `policy_invalid`.
import { CandorError, type OwnOrganisationResponse } from '@candor/protocol'
import { provenAuditEntry } from './org-audit-proof.ts'

export interface VerifiedOrganisation {
  /** Null for a person of no organisation. */
  org: string | null
  /** As the organisation's creation logged it; null when no such entry is served. */
  name: string | null
}

const fail = (m: string) => new CandorError('policy_invalid', `the organisation's name was refused: ${m}`)

export function verifyOrganisation(res: OwnOrganisationResponse, accessLogKey: string): VerifiedOrganisation {
  if (res.org === null || res.created === null) return { org: res.org, name: null }
  const entry = provenAuditEntry(res.org, res.created, accessLogKey, fail)
  const name = entry.details['name']
  if (entry.action !== 'org.create' || typeof name !== 'string' || name.length === 0) throw fail('its first audit entry is not the organisation’s creation')
  return { org: res.org, name }
}
