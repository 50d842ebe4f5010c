// Joining a group without a Welcome, by an external commit (RFC 9420 §12.4.3.2) from a
// GroupInfo the group published: how a device that lost or cannot follow its state rejoins
// (`resync`), and how a newcomer joins an open group. The commit is a PublicMessage.
import { createGroupInfoWithExternalPubAndRatchetTree, encodeMlsMessage, joinGroupExternal } from 'ts-mls';
import { openStoredKeyPackage, type StoredKeyPackage } from './key-package.ts';
import type { GroupState, MlsConfig } from './mls-types.ts';
import { checkReceivedTree, decodeExactly, formerLeafForResync, treeOfGroupInfo } from './ts-mls-guards.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

/** The group's GroupInfo with external_pub and its ratchet tree, encoded (mls_group_info), for others to join from. */
export async function groupInfoForExternalJoin(choice: SuiteChoice, state: GroupState): Promise<Uint8Array> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message');
  const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(state, [], suite);
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
}

/**
 * Joins by external commit. With `resync`, this device's old leaf (the one with its signature
 * key) is removed by the same commit; there must be one. Returns the new state and the commit
 * (encoded mls_public_message) to send to the group.
 */
export async function joinByExternalCommit(
  choice: SuiteChoice,
  config: MlsConfig,
  groupInfoBytes: Uint8Array,
  kp: StoredKeyPackage,
  options: { resync: boolean; maxLeaves?: number },
): Promise<{ state: GroupState; commit: Uint8Array; groupInfo: Uint8Array }> {
  const groupInfo = decodeExactly(groupInfoBytes, 'mls_group_info').groupInfo;
  const suite = pickSuite(choice, groupInfo.groupContext.cipherSuite, 'invalid_mls_message');
  const tree = treeOfGroupInfo(groupInfo);
  checkReceivedTree(tree, options.maxLeaves);
  const { publicPackage, privatePackage } = openStoredKeyPackage(kp);
  if (options.resync) formerLeafForResync(tree, publicPackage, config);
  const r = await joinGroupExternal(groupInfo, publicPackage, privatePackage, options.resync, suite, undefined, config);
  return {
    state: r.newState,
    commit: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: r.publicMessage }),
    groupInfo: await groupInfoForExternalJoin(suite, r.newState),
  };
}
