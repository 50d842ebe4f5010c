// What kind of account a directory entry says a user is (docs/protocol.md §3 `kind`, §11.1): an
// `archive` exactly when the latest signed policy of the user's organisation names them as its
// archive account; otherwise a `person`. A person cannot make themselves an archive: only an
// admin setting the policy can, and the policy is signed and in the organisation's audit log.
import { parsePolicyNoteText, type DirectoryKind, type OrgId, type UserId } from '@candor/protocol'
import type { Store } from '@candor/ports'
import { parseNote } from '@candor/transparency'

export async function accountKind(store: Store, userId: UserId, org: string | null): Promise<DirectoryKind> {
  if (org === null) return 'person'
  const rec = await store.governance().policyVersion(org as OrgId, null)
  const text = rec ? parseNote(rec.note)?.text : undefined
  const policy = text !== undefined ? parsePolicyNoteText(text)?.policy : undefined
  return policy?.archive.account === userId ? 'archive' : 'person'
}
