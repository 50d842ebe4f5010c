import type { CiphersuiteImpl, GroupContext, PrivateKeyPath, RatchetTree } from 'ts-mls';
import { applyUpdatePathSecret } from 'ts-mls/createCommit.js';
import { deriveSecret } from 'ts-mls/crypto/kdf.js';
import { getCommitSecret, type PathSecrets } from 'ts-mls/pathSecrets.js';
import { toPrivateKeyPath } from 'ts-mls/privateKeyPath.js';
import { decodeRatchetTree, getHpkePublicKey } from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { applyUpdatePath, createUpdatePath, decodeUpdatePath } from 'ts-mls/updatePath.js';
import { describe, expect, it } from 'vitest';
import { CIPHERSUITE } from '../../src/index.ts';
import { hpkeKeysMatch } from './key-match.ts';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface LeafPrivate {
  index: number;
  encryption_priv: string;
  signature_priv: string;
  path_secrets: { node: number; path_secret: string }[];
}

interface UpdatePathCase {
  sender: number;
  update_path: string;
  path_secrets: (string | null)[];
  commit_secret: string;
  tree_hash_after: string;
}

interface TreeKemCase {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  confirmed_transcript_hash: string;
  ratchet_tree: string;
  leaves_private: LeafPrivate[];
  update_paths: UpdatePathCase[];
}

const cases = loadVectors<TreeKemCase>('treekem.json');

const secretsOf = (leaf: LeafPrivate): PathSecrets =>
  Object.fromEntries(leaf.path_secrets.map((p) => [p.node, unhex(p.path_secret)]));

async function privatePath(cs: CiphersuiteImpl, leaf: LeafPrivate): Promise<PrivateKeyPath> {
  const path = await toPrivateKeyPath(secretsOf(leaf), leaf.index, cs);
  const leafNode = leafToNodeIndex(toLeafIndex(leaf.index));
  return { ...path, privateKeys: { ...path.privateKeys, [leafNode]: unhex(leaf.encryption_priv) } };
}

/** Every private key the vector gives us belongs to the public key in the tree. */
async function checkTreeKeys(cs: CiphersuiteImpl, tree: RatchetTree, v: TreeKemCase): Promise<void> {
  for (const leaf of v.leaves_private) {
    const node = tree[leafToNodeIndex(toLeafIndex(leaf.index))];
    if (node?.nodeType !== 'leaf') throw new Error(`no leaf at ${leaf.index}`);
    expect(await hpkeKeysMatch(cs, node.leaf.hpkePublicKey, unhex(leaf.encryption_priv)), `leaf ${leaf.index} key`).toBe(true);
    for (const [nodeIndex, secret] of Object.entries(secretsOf(leaf))) {
      const { publicKey } = await cs.hpke.deriveKeyPair(await deriveSecret(secret, 'node', cs.kdf));
      const inTree = tree[Number(nodeIndex)];
      if (inTree === undefined) throw new Error(`no node ${nodeIndex}`);
      expect(hex(await cs.hpke.exportPublicKey(publicKey)), `node ${nodeIndex} key`).toBe(hex(getHpkePublicKey(inTree)));
    }
  }
}

async function check(cs: CiphersuiteImpl, v: TreeKemCase): Promise<void> {
  const tree = decodeRatchetTree(unhex(v.ratchet_tree), 0)?.[0];
  if (tree === undefined) throw new Error('could not decode ratchet_tree');
  const gc: GroupContext = {
    version: 'mls10',
    cipherSuite: CIPHERSUITE,
    groupId: unhex(v.group_id),
    epoch: BigInt(v.epoch),
    treeHash: await treeHashRoot(tree, cs.hash),
    confirmedTranscriptHash: unhex(v.confirmed_transcript_hash),
    extensions: [],
  };
  await checkTreeKeys(cs, tree, v);
  const paths = await Promise.all(v.leaves_private.map((l) => privatePath(cs, l)));

  for (const up of v.update_paths) {
    const sender = toLeafIndex(up.sender);
    const decoded = decodeUpdatePath(unhex(up.update_path), 0)?.[0];
    if (decoded === undefined) throw new Error('could not decode update_path');
    const after = await applyUpdatePath(tree, sender, decoded, cs.hash);
    const treeHashAfter = await treeHashRoot(after, cs.hash);
    expect(hex(treeHashAfter), `sender ${up.sender} tree_hash_after`).toBe(up.tree_hash_after);
    const gcAfter = { ...gc, treeHash: treeHashAfter };

    // Receivers decrypt the vector's path and reach its path and commit secrets.
    for (const pp of paths) {
      if (pp.leafIndex === up.sender) {
        expect(up.path_secrets[pp.leafIndex]).toBeNull();
        continue;
      }
      const got = await applyUpdatePathSecret(tree, pp, sender, gcAfter, decoded, [], cs);
      expect(hex(got.pathSecret), `leaf ${pp.leafIndex} path secret`).toBe(up.path_secrets[pp.leafIndex]);
      expect(hex(await getCommitSecret(tree, got.nodeIndex, got.pathSecret, cs.kdf)), 'commit_secret').toBe(up.commit_secret);
    }

    // A fresh path from the same sender, made with our provider, is decryptable by every receiver.
    const senderLeaf = v.leaves_private.find((l) => l.index === up.sender);
    if (senderLeaf === undefined) throw new Error('no private state for sender');
    const [ourTree, ourPath, ourSecrets] = await createUpdatePath(after, sender, gcAfter, unhex(senderLeaf.signature_priv), cs);
    const rootSecret = ourSecrets[ourSecrets.length - 1];
    if (rootSecret === undefined) throw new Error('update path without secrets');
    const expectedCommit = hex(await deriveSecret(rootSecret.secret, 'path', cs.kdf));
    const gcNext = { ...gc, treeHash: await treeHashRoot(ourTree, cs.hash), epoch: gc.epoch + 1n };
    for (const pp of paths) {
      if (pp.leafIndex === up.sender) continue;
      const got = await applyUpdatePathSecret(tree, pp, sender, gcNext, ourPath, [], cs);
      expect(hex(await getCommitSecret(tree, got.nodeIndex, got.pathSecret, cs.kdf)), 'our commit secret').toBe(expectedCommit);
    }
  }
}

describe.each(PROVIDERS)('RFC 9420 treekem vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c), 30_000);

  it('negative control: a flipped leaf private key byte fails', async () => {
    const valid = ours[0]!;
    const [first, ...rest] = valid.leaves_private;
    const bad = { ...valid, leaves_private: [{ ...first!, encryption_priv: flipHexByte(first!.encryption_priv, 7) }, ...rest] };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
  it('negative control: a flipped byte in an encrypted path secret fails', async () => {
    const valid = ours.find((c) => c.update_paths.length > 0 && c.leaves_private.length > 1)!;
    const [first, ...rest] = valid.update_paths;
    const bad = { ...valid, update_paths: [{ ...first!, update_path: flipHexByte(first!.update_path, -1) }, ...rest] };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
});
