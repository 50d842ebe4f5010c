// The delivery service's one entry point for a posted commit (docs/protocol.md §5.1, §5.2):
// the stored GroupInfo of the group, the commit and the GroupInfo posted with it in; the
// validated facts and the new public state out, or CandorError('invalid_mls_message' |
// 'stale_epoch' | 'not_member').
import type { MlsSuite } from './mls-types.ts';
import { decodePublicCommit, validateMemberCommit, type ValidatedCommit } from './public-commit-steps.ts';
import { validateExternalCommit } from './public-external-commit.ts';
import { loadPublicGroup, type PublicGroup } from './public-group.ts';
import { LIMITS } from '@candor/protocol';
import { CandorError } from '@candor/protocol';

export type { ValidatedCommit } from './public-commit-steps.ts';

/**
 * `stored`: the group's stored GroupInfo, or its public state already decoded from it (a
 * server may keep the last one it validated: decoding a large tree is most of the cost).
 */
export async function validatePublicCommit(
  suite: MlsSuite,
  stored: Uint8Array | PublicGroup,
  commit: Uint8Array,
  groupInfo: Uint8Array,
  options: { external: boolean },
): Promise<ValidatedCommit> {
  const group = stored instanceof Uint8Array ? loadPublicGroup(stored) : stored;
  const pm = decodePublicCommit(group, commit);
  const external = pm.content.sender.senderType === 'new_member_commit';
  if (external !== options.external) {
    throw new CandorError('invalid_mls_message', options.external ? 'expected an external commit (sender new_member_commit)' : 'an external commit goes to the external-commits route');
  }
  const v = external ? await validateExternalCommit(suite, group, pm, groupInfo) : await validateMemberCommit(suite, group, pm, groupInfo);
  if (v.members.length > LIMITS.groupMembers) throw new CandorError('forbidden', `a group has at most ${LIMITS.groupMembers} devices`);
  return v;
}
