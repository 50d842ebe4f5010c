// The delivery service's one entry point for a posted commit (docs/protocol.md §5.1, §5.2):
// the stored GroupInfo of the group, the commit and the GroupInfo posted with it in; the
// validated facts and the new public state out, or CandorError('invalid_mls_message' |
// 'stale_epoch' | 'not_member').
import { PQ_SUITE } from '../ciphersuite.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';
import { decodePublicCommit, validateMemberCommit, type ServerProposals, type ValidatedCommit } from './public-commit-steps.ts';
import { validateExternalCommit } from './public-external-commit.ts';
import { loadPublicGroup, type PublicGroup } from './public-group.ts';
import { LIMITS } from '@candor/protocol';
import { CandorError } from '@candor/protocol';

export type { ServerProposals, ValidatedCommit } from './public-commit-steps.ts';

/**
 * `stored`: the group's stored GroupInfo, or its public state already decoded from it (a
 * server may keep the last one it validated: decoding a large tree is most of the cost).
 */
export async function validatePublicCommit(
  choice: SuiteChoice,
  stored: Uint8Array | PublicGroup,
  commit: Uint8Array,
  groupInfo: Uint8Array,
  options: { external: boolean; serverProposals?: ServerProposals },
): Promise<ValidatedCommit> {
  const group = stored instanceof Uint8Array ? loadPublicGroup(stored) : stored;
  // The group's own suite: a commit cannot change it (the next context is derived from this one).
  const suite = pickSuite(choice, group.groupContext.cipherSuite, 'invalid_mls_message');
  const pm = decodePublicCommit(group, commit);
  const external = pm.content.sender.senderType === 'new_member_commit';
  if (external !== options.external) {
    throw new CandorError('invalid_mls_message', options.external ? 'expected an external commit (sender new_member_commit)' : 'an external commit goes to the external-commits route');
  }
  const v = external ? await validateExternalCommit(suite, group, pm, groupInfo) : await validateMemberCommit(suite, group, pm, groupInfo, options.serverProposals);
  if (v.members.length > LIMITS.groupMembers) throw new CandorError('forbidden', `a group has at most ${LIMITS.groupMembers} devices`);
  // The post-quantum suite's tree is ≈ 6× larger (docs/protocol.md §5.0).
  if (suite.name === PQ_SUITE && v.members.length > LIMITS.pqGroupMembers) {
    throw new CandorError('forbidden', `a post-quantum group has at most ${LIMITS.pqGroupMembers} devices`);
  }
  return v;
}
