// What a member checks of an external commit before taking it (docs/protocol.md §5.2): its
// removal, if any, names a leaf of the joiner's own user — the joiner's old leaf (a resync) or
// another device of the same person (a recovered device taking a lost one's place). ts-mls
// takes one removal of any leaf in an external commit; without this check a joiner the server
// let through could push anyone out. Whether the removed device was still active is the
// server's check; the joiner's credential is judged against the key directory as any commit's.
import type { PublicMessage } from 'ts-mls';
import { CandorError } from '@candor/protocol';
import { decodeDeviceCredential } from '../device-credential.ts';
import { leafAt } from './group-members.ts';
import type { GroupState } from './mls-types.ts';

export function checkExternalCommitRemoval(state: GroupState, pm: PublicMessage): void {
  const c = pm.content;
  if (c.sender.senderType !== 'new_member_commit' || c.contentType !== 'commit') return;
  const joiner = c.commit.path ? decodeDeviceCredential(c.commit.path.leafNode.credential) : null;
  for (const p of c.commit.proposals) {
    if (p.proposalOrRefType !== 'proposal' || p.proposal.proposalType !== 'remove') continue;
    const old = leafAt(state.ratchetTree, p.proposal.remove.removed);
    if (!joiner || !old || old.userId !== joiner.userId) {
      throw new CandorError('invalid_mls_message', 'an external commit may remove only a leaf of the joiner’s own user');
    }
  }
}
