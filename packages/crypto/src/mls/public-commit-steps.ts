// The steps by which a non-member (the delivery service) checks a commit against a group's
// public state (docs/protocol.md §5.1), assembled from ts-mls's parts as OpenMLS's PublicGroup
// does: the framed content's signature by the sender leaf, the proposals applied to the tree
// (ts-mls's applyProposals, with its leaf-node and key-package checks), the update path applied
// with its parent-hash check, the new tree hash and group context, and the GroupInfo posted with
// the commit: signed by the committer, naming exactly that context, carrying exactly that tree.
// What needs the epoch secrets (membership and confirmation tags, the encrypted path secrets)
// is not checked here: members check it and report a failure (§5.3).
import type { GroupInfo, LeafNode, Proposal, PublicMessage, RatchetTree } from 'ts-mls';
import type { AuthenticatedContentCommit } from 'ts-mls/authenticatedContent.js';
import type { FramedContentCommit } from 'ts-mls/framedContent.js';
import { applyProposals, nextEpochContext, validateLeafNodeCredentialAndKeyUniqueness, validateLeafNodeUpdateOrCommit } from 'ts-mls/clientState.js';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
import { verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { emptyPskIndex } from 'ts-mls/pskIndex.js';
import { encodeRatchetTree, filteredDirectPathAndCopathResolution } from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { bytesToBase64 } from 'ts-mls/util/byteArray.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { applyUpdatePath } from 'ts-mls/updatePath.js';
import { CandorError } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import { decodeDeviceCredential } from '../device-credential.ts';
import { leafAt, type Leaf } from './group-members.ts';
import type { MlsSuite } from './mls-types.ts';
import { groupContextBytes, treeLeaves, type PublicGroup } from './public-group.ts';
import { checkReceivedTree, decodeExactly, mlsStep, publicAuthentication, verifiesOrFalse } from './ts-mls-guards.ts';

/** What the server learns from a commit it validated, and the group's public state after it. */
export interface ValidatedCommit {
  /** The new public state (from the GroupInfo posted with the commit, checked to match). */
  group: PublicGroup;
  /** The epoch the commit was made in (the group is at `epoch + 1` after it). */
  epoch: number;
  /** True for an external commit (the committer joined by it). */
  external: boolean;
  /** The committer's leaf after the commit. */
  committer: Leaf;
  /** Leaves the commit added (an external committer is not among them). */
  added: Leaf[];
  /** Leaves of the previous tree that the commit removed. */
  removed: Leaf[];
  /** Every leaf of the new tree. */
  members: Leaf[];
}

export const refuse = (why: string) => new CandorError('invalid_mls_message', `commit rejected: ${why}`);

/** Step 1: the commit, decoded exactly, as a PublicMessage commit of this group at its epoch. */
export function decodePublicCommit(group: PublicGroup, bytes: Uint8Array): PublicMessage & { content: FramedContentCommit } {
  const pm = decodeExactly(bytes, 'mls_public_message').publicMessage;
  const c = pm.content;
  if (c.contentType !== 'commit') throw refuse(`expected a commit, got a ${c.contentType}`);
  if (!bytesEqual(c.groupId, group.groupContext.groupId)) throw refuse('it is for another group');
  if (c.epoch !== group.groupContext.epoch) {
    const epoch = Number(group.groupContext.epoch);
    throw new CandorError('stale_epoch', `the commit is for epoch ${c.epoch} and the group is at epoch ${epoch}`, { details: { epoch } });
  }
  return pm as PublicMessage & { content: FramedContentCommit };
}

/** Step 2: the framed content's signature, by `signatureKey`, over the content and the current group context. */
export async function checkContentSignature(suite: MlsSuite, group: PublicGroup, pm: PublicMessage, signatureKey: Uint8Array): Promise<void> {
  const ok = await verifiesOrFalse(() => verifyFramedContentSignature(signatureKey, 'mls_public_message', pm.content, pm.auth, group.groupContext, suite.signature));
  if (!ok) throw refuse("its signature does not verify with the sender's key");
}

/**
 * The server's own proposals a member commit may name by reference (docs/protocol.md §5.7): the
 * removals the server would propose for this group state now, keyed by base64 (ts-mls's) reference.
 */
export type ServerProposals = (group: PublicGroup) => Promise<Map<string, Proposal>>;

/**
 * A member commit's proposals: inline adds and removes, and removals the server proposed, by
 * reference (only those in `referenced`). Returns every proposal, inline and referenced, in order.
 */
export function memberProposals(pm: PublicMessage & { content: FramedContentCommit }, referenced: Map<string, Proposal>): Proposal[] {
  const out: Proposal[] = [];
  for (const p of pm.content.commit.proposals) {
    if (p.proposalOrRefType === 'reference') {
      const known = referenced.get(bytesToBase64(p.reference));
      if (!known || known.proposalType !== 'remove') throw refuse('it names a proposal by reference that is not a removal the server proposed');
      out.push(known);
      continue;
    }
    const type = p.proposal.proposalType;
    if (type !== 'add' && type !== 'remove') throw refuse(`a ${String(type)} proposal is not allowed here`);
    out.push(p.proposal);
  }
  return out;
}

/** Candor commits carry their proposals inline and only adds and removes (plus external_init and a resync remove in an external commit). */
export function inlineProposals(pm: PublicMessage & { content: FramedContentCommit }, allowed: readonly string[]): Proposal[] {
  const out: Proposal[] = [];
  for (const p of pm.content.commit.proposals) {
    if (p.proposalOrRefType !== 'proposal') throw refuse('proposals by reference are not used in Candor');
    const type = p.proposal.proposalType;
    if (typeof type !== 'string' || !allowed.includes(type)) throw refuse(`a ${String(type)} proposal is not allowed here`);
    out.push(p.proposal);
  }
  return out;
}

/** The committer's new leaf must name the same device as its old one (a device does not change who it is). */
export function checkSameDevice(before: LeafNode | Leaf, after: LeafNode): void {
  const a = 'credential' in before ? decodeDeviceCredential(before.credential) : before;
  const b = decodeDeviceCredential(after.credential);
  if (!a || !b || a.userId !== b.userId || a.deviceId !== b.deviceId) throw refuse("the committer's new leaf names another device");
}

/**
 * Each node of the update path must carry one encrypted path secret per node of the copath's
 * resolution (less the leaves this commit adds, which get theirs in the Welcome): otherwise some
 * member finds no ciphertext for itself.
 */
export function checkPathSecretCounts(tree: RatchetTree, committer: number, pm: PublicMessage & { content: FramedContentCommit }, addedLeaves: readonly number[]): void {
  const path = pm.content.commit.path;
  if (!path) return;
  const excluded = new Set(addedLeaves.map((l) => leafToNodeIndex(toLeafIndex(l)) as number));
  const fdp = filteredDirectPathAndCopathResolution(toLeafIndex(committer), tree);
  if (fdp.length !== path.nodes.length) throw refuse(`its update path has ${path.nodes.length} nodes, the tree needs ${fdp.length}`);
  fdp.forEach(({ resolution }, i) => {
    const want = resolution.filter((n) => !excluded.has(n as number)).length;
    const got = path.nodes[i]!.encryptedPathSecret.length;
    if (want !== got) throw refuse(`node ${i} of its update path has ${got} encrypted path secrets for ${want} recipients`);
  });
}

/**
 * The last steps, shared by member and external commits: the new tree hash and group context
 * (transcript hash over this commit), and the posted GroupInfo: decoded exactly, naming exactly
 * that context and the commit's confirmation tag, signed by the committer with its new leaf's
 * key, carrying a ratchet tree whose hash is the new tree's.
 */
export async function finishCommit(
  suite: MlsSuite,
  group: PublicGroup,
  pm: PublicMessage & { content: FramedContentCommit },
  tree: RatchetTree,
  committerLeaf: number,
  groupInfoBytes: Uint8Array,
): Promise<{ group: PublicGroup; committer: Leaf }> {
  checkReceivedTree(tree);
  const auth = pm.auth;
  if (auth.contentType !== 'commit') throw refuse('its authentication data is not a commit’s');
  const treeHash = await mlsStep('tree hash', () => treeHashRoot(tree, suite.hash));
  const content = pm.content as AuthenticatedContentCommit['content'];
  const next = await mlsStep('group context', () =>
    nextEpochContext(group.groupContext, 'mls_public_message', content, auth.signature, treeHash, group.confirmationTag, suite.hash),
  );
  const committer = leafAt(tree, committerLeaf);
  if (!committer) throw refuse("the committer's leaf is not a Candor device");
  const gi: GroupInfo = decodeExactly(groupInfoBytes, 'mls_group_info').groupInfo;
  const why = (s: string) => new CandorError('invalid_mls_message', `the group info posted with the commit is rejected: ${s}`);
  if (!bytesEqual(groupContextBytes(gi.groupContext), groupContextBytes(next))) throw why('its group context is not the one the commit leads to');
  if (!bytesEqual(gi.confirmationTag, auth.confirmationTag)) throw why("its confirmation tag is not the commit's");
  if (gi.signer !== committerLeaf) throw why(`it is signed by leaf ${gi.signer}, not by the committer (leaf ${committerLeaf})`);
  if (!(await verifiesOrFalse(() => verifyGroupInfoSignature(gi, committer.signatureKey, suite.signature)))) throw why("its signature does not verify with the committer's key");
  // The tree it carries must be the new tree, byte for byte (comparing the encoding is much
  // cheaper than decoding and hashing a second tree; equal trees encode equally).
  const carried = gi.extensions.filter((e) => e.extensionType === 'ratchet_tree');
  if (carried.length !== 1) throw why('it must carry the ratchet tree (one ratchet_tree extension)');
  if (!bytesEqual(carried[0]!.extensionData, encodeRatchetTree(tree))) throw why('its ratchet tree is not the tree the commit leads to');
  return { group: { groupInfo: gi, groupContext: gi.groupContext, tree, confirmationTag: gi.confirmationTag }, committer };
}

/** A member's commit (sender type member), validated against `group`. */
export async function validateMemberCommit(
  suite: MlsSuite,
  group: PublicGroup,
  pm: PublicMessage & { content: FramedContentCommit },
  groupInfoBytes: Uint8Array,
  serverProposals?: ServerProposals,
): Promise<ValidatedCommit> {
  const sender = pm.content.sender;
  if (sender.senderType !== 'member') throw refuse(`sender type ${sender.senderType} is not a member`);
  const committerIndex = sender.leafIndex;
  const committerBefore = leafAt(group.tree, committerIndex);
  if (!committerBefore) throw new CandorError('not_member', `commit rejected: its sender (leaf ${committerIndex}) is not a member of the group`);
  await checkContentSignature(suite, group, pm, committerBefore.signatureKey);
  const byRef = pm.content.commit.proposals.some((p) => p.proposalOrRefType === 'reference');
  const referenced = byRef && serverProposals ? await serverProposals(group) : new Map<string, Proposal>();
  const proposals = memberProposals(pm, referenced);
  // ts-mls's applyProposals reads a member's state; the public parts are all it uses here (the
  // server's own proposals as the "unapplied" ones a reference resolves to, no PSKs, and
  // `privatePath` only to say whether "we" were removed).
  const unapplied: Record<string, { proposal: Proposal; senderLeafIndex: undefined }> = {};
  for (const [ref, proposal] of referenced) unapplied[ref] = { proposal, senderLeafIndex: undefined };
  const asState = {
    ratchetTree: group.tree,
    groupContext: group.groupContext,
    unappliedProposals: unapplied,
    privatePath: { leafIndex: committerIndex, privateKeys: {} },
    clientConfig: { ...defaultClientConfig, authService: publicAuthentication },
  } as unknown as Parameters<typeof applyProposals>[0];
  const applied = await mlsStep('proposals', () =>
    applyProposals(asState, pm.content.commit.proposals, toLeafIndex(committerIndex), emptyPskIndex, false, suite),
  );
  if (applied.additionalResult.kind !== 'memberCommit') throw refuse('not a member commit');
  const addedLeaves = applied.additionalResult.addedLeafNodes.map(([leaf]) => leaf as number);
  let tree = applied.tree;
  checkReceivedTree(tree);
  const path = pm.content.commit.path;
  if (applied.needsUpdatePath && !path) throw refuse('it needs an update path and has none');
  if (path) {
    const leafError = await mlsStep('committer leaf', () =>
      validateLeafNodeUpdateOrCommit(path.leafNode, toLeafIndex(committerIndex), group.groupContext, publicAuthentication, suite.signature),
    );
    if (leafError) throw refuse(`the committer's new leaf: ${leafError.message}`);
    const unique = await mlsStep('committer leaf', () => validateLeafNodeCredentialAndKeyUniqueness(applied.tree, path.leafNode, toLeafIndex(committerIndex)));
    if (unique) throw refuse(`the committer's new leaf: ${unique.message}`);
    checkSameDevice(committerBefore, path.leafNode);
    checkPathSecretCounts(applied.tree, committerIndex, pm, addedLeaves);
    tree = await mlsStep('update path', () => applyUpdatePath(applied.tree, toLeafIndex(committerIndex), path, suite.hash));
  }
  const done = await finishCommit(suite, group, pm, tree, committerIndex, groupInfoBytes);
  const added = addedLeaves.map((l) => leafAt(tree, l)).filter((l): l is Leaf => l !== undefined);
  if (added.length !== addedLeaves.length) throw refuse('it adds a leaf that is not a Candor device');
  const removed = proposals.flatMap((p) => (p.proposalType === 'remove' ? [leafAt(group.tree, p.remove.removed)] : [])).filter((l): l is Leaf => l !== undefined);
  return { group: done.group, epoch: Number(group.groupContext.epoch), external: false, committer: done.committer, added, removed, members: treeLeaves(tree) };
}
