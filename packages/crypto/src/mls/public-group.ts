// A group's public state, as the delivery service keeps it (docs/protocol.md §5.1): the ratchet
// tree, the group context and the confirmation tag of the current epoch, all read from the
// group's latest signed GroupInfo (with its ratchet_tree extension). What OpenMLS calls a
// PublicGroup. The stored form is the GroupInfo itself (encoded mls_group_info): it is signed by
// the member that made the epoch, and a device rejoining by external commit reads the same bytes.
import type { GroupContext, GroupInfo, RatchetTree } from 'ts-mls';
import { validateRatchetTree } from 'ts-mls/clientState.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { CandorError } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import { decodeDeviceCredential } from '../device-credential.ts';
import { serverSenderOf, type ServerSender } from './external-sender.ts';
import { leafAt, type Leaf } from './group-members.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';
import { checkReceivedTree, decodeExactly, publicAuthentication, treeOfGroupInfo, verifiesOrFalse } from './ts-mls-guards.ts';

export interface PublicGroup {
  groupInfo: GroupInfo;
  groupContext: GroupContext;
  tree: RatchetTree;
  /** The confirmation tag of the current epoch (the next commit's transcript hash starts from it). */
  confirmationTag: Uint8Array;
}

const bad = (why: string, cause?: unknown) => new CandorError('invalid_mls_message', `group info rejected: ${why}`, cause === undefined ? undefined : { cause });

/** Every leaf of the tree, in leaf order (leaves whose credential is not a Candor device's are left out). */
export function treeLeaves(tree: RatchetTree): Leaf[] {
  const out: Leaf[] = [];
  for (let i = 0; i < tree.length; i += 2) {
    const leaf = leafAt(tree, i / 2);
    if (leaf) out.push(leaf);
  }
  return out;
}

export function groupIdOf(group: PublicGroup): Uint8Array {
  return group.groupContext.groupId;
}

export function publicEpoch(group: PublicGroup): number {
  return Number(group.groupContext.epoch);
}

/**
 * A public state from a stored GroupInfo the server itself accepted earlier: decoded, not checked
 * again (it was checked, in full or as the result of a validated commit, before it was stored).
 */
export function loadPublicGroup(bytes: Uint8Array): PublicGroup {
  const groupInfo = decodeExactly(bytes, 'mls_group_info').groupInfo;
  return { groupInfo, groupContext: groupInfo.groupContext, tree: treeOfGroupInfo(groupInfo), confirmationTag: groupInfo.confirmationTag };
}

/**
 * Checks a GroupInfo received from a client in full, as a joiner would minus what needs secrets:
 * our cipher suite, its ratchet tree (width, structure, every leaf a Candor device credential
 * with a valid leaf signature, unique keys, parent hashes, the tree hash the context names), and
 * its signature by the signer leaf. Throws CandorError('invalid_mls_message').
 */
export async function checkGroupInfo(choice: SuiteChoice, bytes: Uint8Array): Promise<PublicGroup> {
  const group = loadPublicGroup(bytes);
  const { groupInfo, groupContext, tree } = group;
  const suite = pickSuite(choice, groupContext.cipherSuite, 'invalid_mls_message');
  if (groupContext.version !== 'mls10') throw bad('protocol version must be mls10');
  checkReceivedTree(tree);
  for (let i = 0; i < tree.length; i += 2) {
    const node = tree[i];
    if (node?.nodeType === 'leaf' && !decodeDeviceCredential(node.leaf.credential)) throw bad(`leaf ${i / 2} does not name a Candor device`);
  }
  let err;
  try {
    err = await validateRatchetTree(tree, groupContext, { maximumTotalLifetime: 2n ** 62n, validateLifetimeOnReceive: false }, publicAuthentication, groupContext.treeHash, suite);
  } catch (e) {
    throw bad('its ratchet tree does not validate', e);
  }
  if (err) throw bad(`its ratchet tree does not validate (${err.message})`, err);
  const signer = leafAt(tree, groupInfo.signer);
  if (!signer) throw bad(`its signer ${groupInfo.signer} is not a member`);
  if (!(await verifiesOrFalse(() => verifyGroupInfoSignature(groupInfo, signer.signatureKey, suite.signature)))) throw bad("its signature does not verify with the signer's key");
  return group;
}

/**
 * A new group's GroupInfo (epoch 0, as `startGroup` makes it): checked in full, for `groupId`,
 * with one leaf (its creator) and nothing in its context but what a new group has.
 */
export async function checkNewGroupInfo(suite: SuiteChoice, bytes: Uint8Array, groupId: Uint8Array, serverSender?: ServerSender): Promise<{ group: PublicGroup; creator: Leaf }> {
  const group = await checkGroupInfo(suite, bytes);
  const gc = group.groupContext;
  if (!bytesEqual(gc.groupId, groupId)) throw bad('it is for another group');
  if (gc.epoch !== 0n) throw bad(`a new group is at epoch 0, this one at ${gc.epoch}`);
  if (gc.confirmedTranscriptHash.length !== 0) throw bad('a new group has an empty transcript');
  // None (an older client), or exactly one: this server as the group's external sender (§5.7).
  if (gc.extensions.length > 1) throw bad('a new group has at most one group context extension (external_senders)');
  if (gc.extensions.length === 1) {
    const named = serverSenderOf(gc.extensions);
    if (!named || !serverSender || !bytesEqual(named.publicKey, serverSender.publicKey) || !bytesEqual(named.endorsement, serverSender.endorsement)) {
      throw bad("its only group context extension may be external_senders naming this server's sender key");
    }
  }
  const members = treeLeaves(group.tree);
  const creator = members[0];
  if (members.length !== 1 || !creator || creator.leafIndex !== 0 || group.tree.length !== 1) throw bad('a new group has its creator as its only leaf');
  return { group, creator };
}

/** The group context as bytes (for comparing two contexts exactly). */
export function groupContextBytes(gc: GroupContext): Uint8Array {
  return encodeGroupContext(gc);
}
