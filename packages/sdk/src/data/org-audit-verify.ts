// Checks an organisation's audit trail as the server serves it (protocol.md §8.1): each page's
// checkpoint must be signed by the access-log key this device pinned, under the organisation's
// origin; each entry must be in it (RFC 9162 inclusion proof of the exact text); pages of
// different sizes, and a checkpoint saved earlier, must be consistent (no entry rewritten).
import {
  CandorError,
  auditEntrySchema,
  consistencyResponseSchema,
  fromBase64Url,
  orgAuditOrigin,
  orgAuditResponse,
  toBase64Url,
  utf8,
  type AuditEntry,
  type OrgAuditResponse,
} from '@candor/protocol'
import {
  SIG_TYPE_ED25519,
  formatVerifierKey,
  merkleLeafHash,
  noteVerifierFromKey,
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '@candor/transparency'
import type { DataApi } from './data-api.ts'

export interface AuditCheckpoint {
  size: number
  /** Root hash, base64url. */
  root: string
}

export interface VerifiedAuditEntry {
  index: number
  entry: AuditEntry
  /** The leaf's exact text, as logged. */
  text: string
}

export interface VerifiedAuditTrail {
  checkpoint: AuditCheckpoint
  /** The signed checkpoint note of that size. */
  note: string
  entries: VerifiedAuditEntry[]
}

const fail = (m: string) => new CandorError('receipt_invalid', `audit trail check failed: ${m}`)

/** The organisation log's verifier key: the pinned access-log key, under the organisation's origin. */
export function orgAuditKey(accessLogKey: string, org: string): string {
  const k = parseVerifierKey(accessLogKey)
  if (!k || k.type !== SIG_TYPE_ED25519) throw fail('the pinned access-log key is not an Ed25519 verifier key')
  return formatVerifierKey(orgAuditOrigin(org), SIG_TYPE_ED25519, k.publicKey)
}

/**
 * Every entry from `from` on, verified. `known`: a checkpoint of this log saved earlier, which
 * the current one must extend.
 */
export async function verifiedOrgAudit(api: DataApi, accessLogKey: string, org: string, from = 0, known?: AuditCheckpoint): Promise<VerifiedAuditTrail> {
  const vkey = orgAuditKey(accessLogKey, org)
  const verifier = noteVerifierFromKey(vkey)!
  const origin = orgAuditOrigin(org)
  const base = `/v1/orgs/${encodeURIComponent(org)}/audit`
  const entries: VerifiedAuditEntry[] = []
  let prev: AuditCheckpoint | undefined = known
  let last: { cp: AuditCheckpoint; note: string } | undefined
  let next: number | null = from
  const extend = async (older: AuditCheckpoint, newer: AuditCheckpoint) => {
    if (older.size > newer.size) throw fail(`the log shrank from ${older.size} to ${newer.size} entries`)
    if (older.size === newer.size) {
      if (older.root !== newer.root) throw fail(`two different logs of ${newer.size} entries (a split view)`)
      return
    }
    if (older.size === 0) return
    const { proof } = await api.call(consistencyResponseSchema, 'GET', `${base}/consistency?from=${older.size}&to=${newer.size}`)
    if (!verifyConsistency(older.size, newer.size, fromBase64Url(older.root)!, fromBase64Url(newer.root)!, proof.map((p) => fromBase64Url(p)!))) {
      throw fail(`the log of ${newer.size} entries does not extend the one of ${older.size}`)
    }
  }
  while (next !== null) {
    const page: OrgAuditResponse = await api.call(orgAuditResponse, 'GET', `${base}?from=${next}`)
    if (page.org !== org) throw fail('the answer is about another organisation')
    const opened = openCheckpoint(page.checkpoint, origin, [verifier])
    if (!opened) throw fail('the checkpoint is not signed by the pinned key for this organisation')
    const cp: AuditCheckpoint = { size: opened.checkpoint.size, root: toBase64Url(opened.checkpoint.rootHash) }
    if (prev) await extend(prev, cp)
    prev = cp
    last = { cp, note: page.checkpoint }
    let expected: number = next
    for (const e of page.entries) {
      if (e.index !== expected) throw fail(`entry ${expected} is missing`)
      const proof = e.proof.map((p) => fromBase64Url(p)!)
      if (!verifyInclusion(e.index, cp.size, merkleLeafHash(utf8(e.entry)), proof, opened.checkpoint.rootHash)) throw fail(`entry ${e.index} is not in the signed log`)
      let parsed: AuditEntry
      try {
        parsed = auditEntrySchema.parse(JSON.parse(e.entry))
      } catch {
        throw fail(`entry ${e.index} is not an audit entry`)
      }
      if (parsed.org !== org) throw fail(`entry ${e.index} is another organisation's`)
      entries.push({ index: e.index, entry: parsed, text: e.entry })
      expected++
    }
    if (page.next === null && expected < cp.size && expected >= from) throw fail(`entries ${expected}…${cp.size - 1} are missing`)
    if (page.next !== null && page.next !== expected) throw fail('pages do not follow each other')
    next = page.next
  }
  return { checkpoint: last!.cp, note: last!.note, entries }
}
