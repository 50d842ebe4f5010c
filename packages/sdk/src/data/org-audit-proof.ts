// One entry of an organisation's audit log as a member's client checks it (protocol.md §4.8):
// a checkpoint signed by the pinned access-log key under `candor/org-audit/<org>`, the entry in it
// by its inclusion proof, and the entry an audit entry of that organisation. Used for its policy
// (org-policy-verify.ts) and its name (org-name-verify.ts).
import { auditEntrySchema, fromBase64Url, orgAuditOrigin, utf8, type AuditEntry, type CandorError } from '@candor/protocol'
import { SIG_TYPE_ED25519, formatVerifierKey, merkleLeafHash, noteVerifierFromKey, openCheckpoint, parseVerifierKey, verifyInclusion, type Checkpoint } from '@candor/transparency'

export interface AuditProof {
  index: number
  entry: string
  path: readonly string[]
  checkpoint: string
}

/** The pinned access-log key as the verifier of notes named `name`. */
export function accessLogVerifier(accessLogKey: string, name: string, fail: (m: string) => CandorError) {
  const k = parseVerifierKey(accessLogKey)
  if (!k || k.type !== SIG_TYPE_ED25519) throw fail('the pinned access-log key is not an Ed25519 verifier key')
  return noteVerifierFromKey(formatVerifierKey(name, SIG_TYPE_ED25519, k.publicKey))!
}

/** The proven entry, parsed; `fail` makes the error of whatever check fails. */
export function provenAuditEntry(org: string, proof: AuditProof, accessLogKey: string, fail: (m: string) => CandorError): AuditEntry {
  return provenAuditEntryAt(org, proof, accessLogKey, fail).entry
}

/** The proven entry, parsed, and the signed checkpoint it was proven against. */
export function provenAuditEntryAt(org: string, proof: AuditProof, accessLogKey: string, fail: (m: string) => CandorError): { entry: AuditEntry; checkpoint: Checkpoint } {
  const cp = openCheckpoint(proof.checkpoint, orgAuditOrigin(org), [accessLogVerifier(accessLogKey, orgAuditOrigin(org), fail)])
  if (!cp) throw fail('the audit-log checkpoint is not signed by the pinned key')
  const path = proof.path.map((p) => fromBase64Url(p))
  if (path.some((p) => p === null || p.length !== 32)) throw fail('a malformed proof')
  if (!verifyInclusion(proof.index, cp.checkpoint.size, merkleLeafHash(utf8(proof.entry)), path as Uint8Array[], cp.checkpoint.rootHash)) {
    throw fail('its audit-log entry is not in the signed log')
  }
  let entry: AuditEntry
  try {
    entry = auditEntrySchema.parse(JSON.parse(proof.entry))
  } catch {
    throw fail('its audit-log entry is not an audit entry')
  }
  if (entry.org !== org) throw fail('its audit-log entry is of another organisation')
  return { entry, checkpoint: cp.checkpoint }
}
