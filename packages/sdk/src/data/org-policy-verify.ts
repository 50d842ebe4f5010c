// Checks an organisation's policy as served (protocol.md §8.2) before a client shows or applies
// it: the note must be signed by the pinned access-log key under `candor/org-policy/<org>`, and
// its digest named by a `policy.set` entry (same version) that is in the organisation's audit log
// — an inclusion proof against a checkpoint signed by the same key under `candor/org-audit/<org>`.
// Anything else is `policy_invalid`, and the policy is not applied.
import { CandorError, DEFAULT_ORG_POLICY, orgPolicyKeyName, parsePolicyNoteText, policyDigest, type OrgPolicy, type OrgPolicyResponse } from '@candor/protocol'
import { openNote, type Checkpoint } from '@candor/transparency'
import { accessLogVerifier, provenAuditEntryAt } from './org-audit-proof.ts'

export interface VerifiedPolicy {
  org: string
  /** 0 when the organisation set none: the defaults apply. */
  version: number
  /** Since when it applies (ms). */
  since: number
  policy: OrgPolicy
  /** The audit-log entry that logged it (null for the defaults). */
  auditIndex: number | null
}

const fail = (m: string) => new CandorError('policy_invalid', `the organisation's policy was refused: ${m}`)

export function verifyPolicy(res: OrgPolicyResponse, accessLogKey: string): VerifiedPolicy {
  return verifyPolicyAndCheckpoint(res, accessLogKey).policy
}

/** The policy checked as verifyPolicy does, and the audit log's signed checkpoint its proof is against (null for the defaults). */
export function verifyPolicyAndCheckpoint(res: OrgPolicyResponse, accessLogKey: string): { policy: VerifiedPolicy; checkpoint: Checkpoint | null } {
  const org = res.org
  if (res.note === null) {
    if (res.version !== 0 || res.proof !== null) throw fail('a policy version without its note')
    return { policy: { org, version: 0, since: 0, policy: DEFAULT_ORG_POLICY, auditIndex: null }, checkpoint: null }
  }
  const opened = openNote(res.note, [accessLogVerifier(accessLogKey, orgPolicyKeyName(org), fail)])
  if (!opened || opened.verified.length === 0) throw fail('its signature does not verify with the pinned key')
  const doc = parsePolicyNoteText(opened.text)
  if (!doc || doc.org !== org || doc.version !== res.version || doc.since !== res.since) throw fail('the signed note does not say what the answer says')
  if (!res.proof) throw fail('it has no audit-log proof')
  const { entry, checkpoint } = provenAuditEntryAt(org, res.proof, accessLogKey, fail)
  if (entry.org !== org || entry.action !== 'policy.set' || entry.details['version'] !== doc.version || entry.details['digest'] !== policyDigest(opened.text)) {
    throw fail('its audit-log entry logs another policy')
  }
  return { policy: { org, version: doc.version, since: doc.since, policy: doc.policy, auditIndex: res.proof.index }, checkpoint }
}
