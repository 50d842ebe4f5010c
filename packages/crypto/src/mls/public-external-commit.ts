// An external commit (RFC 9420 §12.4.3.2) checked by a non-member against a group's public state
// (docs/protocol.md §5.2): the sender is new_member_commit, the proposals are one external_init
// and at most one remove — of a leaf naming the joiner's own device (a resync) or another device
// of the joiner's user (a replacement, §5.2) — and the update
// path carries the joiner's new leaf, signed with the key that signs the content. The new leaf
// goes where ts-mls's members put it (the first blank leaf after the removal, else a new one).
// The external_init's KEM output cannot be checked without the group's external secret.
import type { PublicMessage } from 'ts-mls';
import type { FramedContentCommit } from 'ts-mls/framedContent.js';
import { validateLeafNodeCredentialAndKeyUniqueness, validateLeafNodeUpdateOrCommit } from 'ts-mls/clientState.js';
import { addLeafNode, findBlankLeafNodeIndexOrExtend, removeLeafNode } from 'ts-mls/ratchetTree.js';
import { nodeToLeafIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { applyUpdatePath } from 'ts-mls/updatePath.js';
import { decodeDeviceCredential } from '../device-credential.ts';
import { leafAt, type Leaf } from './group-members.ts';
import type { MlsSuite } from './mls-types.ts';
import { checkContentSignature, checkPathSecretCounts, checkSameDevice, finishCommit, inlineProposals, refuse, type ValidatedCommit } from './public-commit-steps.ts';
import { treeLeaves, type PublicGroup } from './public-group.ts';
import { checkReceivedTree, mlsStep, publicAuthentication } from './ts-mls-guards.ts';

export async function validateExternalCommit(
  suite: MlsSuite,
  group: PublicGroup,
  pm: PublicMessage & { content: FramedContentCommit },
  groupInfoBytes: Uint8Array,
): Promise<ValidatedCommit> {
  if (pm.content.sender.senderType !== 'new_member_commit') throw refuse('not an external commit');
  const path = pm.content.commit.path;
  if (!path) throw refuse('an external commit needs an update path');
  const joiner = decodeDeviceCredential(path.leafNode.credential);
  if (!joiner) throw refuse("the joiner's leaf does not name a Candor device");
  await checkContentSignature(suite, group, pm, path.leafNode.signaturePublicKey);
  const proposals = inlineProposals(pm, ['external_init', 'remove']);
  if (proposals.filter((p) => p.proposalType === 'external_init').length !== 1) throw refuse('an external commit has exactly one external_init proposal');
  const removes = proposals.flatMap((p) => (p.proposalType === 'remove' ? [p.remove.removed] : []));
  if (removes.length > 1) throw refuse('an external commit removes at most one leaf (of the joiner’s own user)');
  const removed: Leaf[] = [];
  let tree = group.tree;
  for (const leafIndex of removes) {
    const old = leafAt(group.tree, leafIndex);
    if (!old) throw refuse(`it removes leaf ${leafIndex}, which is not a member`);
    // Its own old leaf (a resync), or another device of its user's (a recovered device taking
    // a lost one's place): which of those may go is the server's call (public-handshakes.ts).
    if (old.userId !== joiner.userId) throw refuse('an external commit may remove only a leaf of the joiner’s own user');
    if (old.deviceId === joiner.deviceId) checkSameDevice(old, path.leafNode);
    removed.push(old);
    tree = await mlsStep('remove', () => removeLeafNode(tree, toLeafIndex(leafIndex)));
  }
  for (const l of treeLeaves(tree)) {
    if (l.userId === joiner.userId && l.deviceId === joiner.deviceId) throw refuse('the joining device is a member already (a resync removes its old leaf)');
  }
  const newLeaf = nodeToLeafIndex(findBlankLeafNodeIndexOrExtend(tree)) as number;
  const leafError = await mlsStep('joiner leaf', () => validateLeafNodeUpdateOrCommit(path.leafNode, toLeafIndex(newLeaf), group.groupContext, publicAuthentication, suite.signature));
  if (leafError) throw refuse(`the joiner's leaf: ${leafError.message}`);
  const unique = await mlsStep('joiner leaf', () => validateLeafNodeCredentialAndKeyUniqueness(tree, path.leafNode));
  if (unique) throw refuse(`the joiner's leaf: ${unique.message}`);
  const [withLeaf] = await mlsStep('add joiner', () => addLeafNode(tree, path.leafNode));
  checkReceivedTree(withLeaf);
  checkPathSecretCounts(withLeaf, newLeaf, pm, []);
  const after = await mlsStep('update path', () => applyUpdatePath(withLeaf, toLeafIndex(newLeaf), path, suite.hash, true));
  const done = await finishCommit(suite, group, pm, after, newLeaf, groupInfoBytes);
  return { group: done.group, epoch: Number(group.groupContext.epoch), external: true, committer: done.committer, added: [], removed, members: treeLeaves(after) };
}
