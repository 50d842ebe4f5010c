// The erasure notice to an organisation's compliance archive (docs/protocol.md §11.12): before a
// person of an organisation whose signed policy names an archive is erased, the server signs a
// notice (organisation, person, time) with the access log's key under `candor/org-erasure/<org>`
// and writes it to the organisation's audit trail as `account.erase` (actor: the person; details:
// the notice and the ids of the organisation's holds that keep some of their records). Write-ahead:
// if the entry cannot be written, this throws `access_log_unavailable` and nothing is erased. The
// archive process reads these entries (GET …/compliance/erasures) and deletes what the person sent.
import { archivePolicyOf, erasureNoticeText, orgErasureKeyName, parsePolicyNoteText, type ErasureAuditDetails, type UserId } from '@candor/protocol'
import type { LegalHoldRecord } from '@candor/ports'
import { parseNote } from '@candor/transparency'
import type { AppContext } from '../app-context.ts'

/** Logs the notice when the person's organisation has an archive; returns the receipt's `archive-erases …` line, or null. */
export async function noticeToArchive(ctx: AppContext, userId: UserId, at: number, holds: readonly LegalHoldRecord[]): Promise<string | null> {
  const m = await ctx.store.membershipOf(userId)
  if (!m) return null
  const rec = await ctx.store.governance().policyVersion(m.org, null)
  const text = rec ? parseNote(rec.note)?.text : undefined
  const policy = text !== undefined ? parsePolicyNoteText(text)?.policy : undefined
  if (!policy || archivePolicyOf(policy).account === null) return null
  const notice = ctx.audit.signNote(erasureNoticeText({ org: m.org, person: userId, at }), orgErasureKeyName(m.org))
  const details: ErasureAuditDetails = { notice, holds: holds.filter((h) => h.org === m.org).map((h) => h.id) }
  const { index } = await ctx.audit.record(m.org, { kind: 'person', userId }, 'account.erase', `user:${userId}`, { ...details })
  return `archive-erases org ${m.org} records-sent-by ${userId} except-held audit ${index}`
}
