// Which erasure notices the archive accepts (docs/protocol.md §11.12). The server serves an
// organisation's `account.erase` audit entries with one signed checkpoint and an inclusion proof
// each; the archive accepts an entry only if the checkpoint is signed by the access-log key it
// pinned (under `candor/org-audit/<org>`), the entry is in it, it is a person's own erasure in this
// organisation (actor that person, target `user:<them>`), and its notice is signed by the same key
// under `candor/org-erasure/<org>` and names this organisation and that person. Pure: the caller
// fetches the page and deletes what the accepted people sent (planSweep's `erased`).
import {
  SIG_TYPE_ED25519,
  formatVerifierKey,
  merkleLeafHash,
  noteVerifierFromKey,
  openCheckpoint,
  openNote,
  parseVerifierKey,
  verifyInclusion,
} from '@candor/transparency'
import { auditEntrySchema, fromBase64Url, orgAuditOrigin, orgErasureKeyName, parseErasureNoticeText, utf8, type OrgAuditResponse } from '@candor/protocol'

export interface AcceptedErasure {
  /** The erased person. */
  person: string
  /** The index of the `account.erase` entry in the organisation's audit trail. */
  audit: number
  /** The notice's time (ms). */
  at: number
}

export interface ErasurePage {
  accepted: AcceptedErasure[]
  /** Entries that failed a check, with why: nothing is deleted for them. */
  refused: { index: number; reason: string }[]
  /** Where to ask from next (every entry before it was checked). */
  next: number
  /** Whether the scan reached the checkpoint's end (no need to ask again until the next poll). */
  end: boolean
}

export class ErasureFeedError extends Error {}

/** A verifier for notes signed with the pinned access-log key under `name`. */
function pinnedUnder(accessLogKey: string, name: string) {
  const k = parseVerifierKey(accessLogKey)
  if (!k || k.type !== SIG_TYPE_ED25519) throw new ErasureFeedError('the pinned access-log key is not an Ed25519 verifier key')
  return noteVerifierFromKey(formatVerifierKey(name, SIG_TYPE_ED25519, k.publicKey))!
}

/** The person and time of a person's own, verified erasure in `org`, or why the entry is not one. */
function refusal(org: string, accessLogKey: string, text: string): { reason: string } | { person: string; at: number } {
  let entry
  try {
    entry = auditEntrySchema.parse(JSON.parse(text))
  } catch {
    return { reason: 'not an audit entry' }
  }
  if (entry.org !== org) return { reason: `an entry of ${entry.org}, not ${org}` }
  if (entry.action !== 'account.erase') return { reason: `a ${entry.action} entry, not account.erase` }
  if (entry.actor.kind !== 'person') return { reason: `made by ${entry.actor.kind} ${entry.actor.id}, not by the person erased` }
  const person = entry.actor.id
  if (entry.target !== `user:${person}`) return { reason: `${person}'s entry names ${String(entry.target)}` }
  const opened = openNote(entry.details['notice'], [pinnedUnder(accessLogKey, orgErasureKeyName(org))])
  if (!opened) return { reason: 'its notice is not signed by the pinned access-log key' }
  const notice = parseErasureNoticeText(opened.text)
  if (!notice) return { reason: 'its notice is not an erasure notice' }
  if (notice.org !== org || notice.person !== person) return { reason: `its notice is about ${notice.person} of ${notice.org}` }
  return { person, at: notice.at }
}

/**
 * Checks a page of GET /v1/orgs/:org/compliance/erasures?from=`from`. A checkpoint that is not
 * the pinned key's throws (nothing is accepted, the cursor stays); an entry that fails a check is
 * refused and skipped.
 */
export function verifyErasures(page: OrgAuditResponse, org: string, accessLogKey: string, from: number): ErasurePage {
  if (page.org !== org) throw new ErasureFeedError(`the answer is about ${page.org}, not ${org}`)
  const cp = openCheckpoint(page.checkpoint, orgAuditOrigin(org), [pinnedUnder(accessLogKey, orgAuditOrigin(org))])
  if (!cp) throw new ErasureFeedError(`the checkpoint is not signed by the pinned access-log key for ${org}`)
  const size = cp.checkpoint.size
  const next = page.next ?? size
  if (next < from || next > size) throw new ErasureFeedError(`next (${next}) is not between ${from} and the checkpoint's size ${size}`)
  const out: ErasurePage = { accepted: [], refused: [], next, end: next === size }
  for (const e of page.entries) {
    if (e.index < from || e.index >= next) {
      out.refused.push({ index: e.index, reason: `outside ${from}…${next - 1}` })
      continue
    }
    const path = e.proof.map((p) => fromBase64Url(p))
    if (path.some((p) => p === null || p.length !== 32) || !verifyInclusion(e.index, size, merkleLeafHash(utf8(e.entry)), path as Uint8Array[], cp.checkpoint.rootHash)) {
      out.refused.push({ index: e.index, reason: 'not in the signed audit trail' })
      continue
    }
    const r = refusal(org, accessLogKey, e.entry)
    if ('reason' in r) out.refused.push({ index: e.index, reason: r.reason })
    else out.accepted.push({ person: r.person, audit: e.index, at: r.at })
  }
  return out
}
