// The archive part of a new policy version (docs/protocol.md §11.2): the named account must be
// a member (not a guest) of the organisation, with an archive key beside it; after the version is
// set, the previous and the new archive accounts' directory entries are republished so their
// `kind` follows the policy.
import { CandorError, archivePolicyOf, parsePolicyNoteText, type OrgId, type OrgPolicy, type UserId } from '@candor/protocol'
import { parseNote } from '@candor/transparency'
import type { AppContext } from '../app-context.ts'

/** Checks the archive fields; returns the archive account the current version names (or null). */
export async function archiveAccountCheck(ctx: AppContext, org: OrgId, policy: OrgPolicy): Promise<UserId | null> {
  const a = archivePolicyOf(policy)
  if ((policy.archive.groups ?? []).length > 0) {
    throw new CandorError('bad_request', 'archive.groups: not supported yet (the server keeps no SCIM groups); list the people in archive.people')
  }
  // An account needs its archive key (what it seals to); `required` without an account names no archive yet.
  if (a.account !== null && a.archiveKey === null) throw new CandorError('bad_request', 'archive.archiveKey: an archive account needs the public half of its archive key')
  if (a.account !== null) {
    const m = await ctx.store.membershipOf(a.account as UserId)
    if (!m || m.guest || m.org !== org) throw new CandorError('bad_request', `archive.account: ${a.account} is not a member of ${org}`)
  }
  const rec = await ctx.store.governance().policyVersion(org, null)
  const text = rec ? parseNote(rec.note)?.text : undefined
  const previous = text !== undefined ? parsePolicyNoteText(text)?.policy : undefined
  return (previous?.archive.account ?? null) as UserId | null
}

export async function republishArchiveAccounts(ctx: AppContext, previous: UserId | null, policy: OrgPolicy): Promise<void> {
  const now = (policy.archive.account ?? null) as UserId | null
  for (const u of new Set([previous, now])) if (u !== null) await ctx.directory.publishUser(u)
}
