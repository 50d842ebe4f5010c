// A device of a person taking the place of one of their old leaves by an external commit
// (docs/protocol.md §5.2, "A recovered device takes its old device's place"): a device approved
// with the recovery key holds no group state, and the person's old device — lost, revoked — is
// still a leaf of every group. The commit removes that leaf and adds the new device, as a resync
// does for the device's own old leaf. Whether the old leaf may go (not an active device, the
// joiner's own user) is the server's call and every member's (external-commit-removal.ts).
import { encodeMlsMessage, joinGroupExternal } from 'ts-mls';
import { CandorError } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import { decodeDeviceCredential } from '../device-credential.ts';
import { groupInfoForExternalJoin } from './external-join.ts';
import { leafAt } from './group-members.ts';
import { openStoredKeyPackage, type StoredKeyPackage } from './key-package.ts';
import type { GroupState, MlsConfig } from './mls-types.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';
import { checkReceivedTree, decodeExactly, treeOfGroupInfo } from './ts-mls-guards.ts';

/**
 * Joins by an external commit that removes the leaf at `formerLeafIndex`, which must name
 * another device of this key package's user. Returns the new state and the commit (encoded
 * mls_public_message) with the GroupInfo it leads to.
 *
 * Every other leaf, and the GroupInfo's signer, are judged by `config`'s authentication service
 * (the key directory as it is now). The leaf being replaced is not: it is a device of the
 * person's that is gone (revoked: the directory no longer proves it), and it may be the one that
 * signed the GroupInfo. The caller must know that key was once the person's own (the SDK checks
 * it against the person's own directory history, rejoin-as-new-device.ts). The suite is the
 * GroupInfo's (one of `choice`); the key package must be in it.
 */
export async function joinReplacingLeaf(
  choice: SuiteChoice,
  config: MlsConfig,
  groupInfoBytes: Uint8Array,
  kp: StoredKeyPackage,
  formerLeafIndex: number,
  options: { maxLeaves?: number } = {},
): Promise<{ state: GroupState; commit: Uint8Array; groupInfo: Uint8Array }> {
  const groupInfo = decodeExactly(groupInfoBytes, 'mls_group_info').groupInfo;
  const suite = pickSuite(choice, groupInfo.groupContext.cipherSuite, 'invalid_mls_message');
  const tree = treeOfGroupInfo(groupInfo);
  checkReceivedTree(tree, options.maxLeaves);
  const { publicPackage, privatePackage } = openStoredKeyPackage(kp);
  if (publicPackage.cipherSuite !== suite.name) {
    throw new CandorError('invalid_mls_message', `the key package is in ${publicPackage.cipherSuite}, the group in ${suite.name}`);
  }
  const joiner = decodeDeviceCredential(publicPackage.leafNode.credential);
  const old = leafAt(tree, formerLeafIndex);
  if (!joiner || !old) throw new CandorError('invalid_mls_message', `leaf ${formerLeafIndex} is not a member of the group`);
  if (old.userId !== joiner.userId || old.deviceId === joiner.deviceId) {
    throw new CandorError('invalid_mls_message', 'a device takes the place of another device of its own user only');
  }
  // ts-mls's resync removes the leaf its equality config matches: here exactly the old leaf.
  const auth = config.authService;
  const replacing: MlsConfig = {
    ...config,
    authService: {
      validateCredential: async (credential, key) => bytesEqual(key, old.signatureKey) || auth.validateCredential(credential, key),
    },
    keyPackageEqualityConfig: {
      ...config.keyPackageEqualityConfig,
      compareKeyPackageToLeafNode: (_kp, leaf) => bytesEqual(leaf.signaturePublicKey, old.signatureKey),
    },
  };
  const r = await joinGroupExternal(groupInfo, publicPackage, privatePackage, true, suite, undefined, replacing);
  const state: GroupState = { ...r.newState, clientConfig: config };
  return {
    state,
    commit: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: r.publicMessage }),
    groupInfo: await groupInfoForExternalJoin(suite, state),
  };
}
