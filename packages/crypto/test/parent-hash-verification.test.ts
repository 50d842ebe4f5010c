// The parent-hash verification a join runs (ts-mls's verifyParentHashes, patched in
// patches/ts-mls+1.6.4.patch to memoise subtree hashes) still refuses a tree with one wrong
// parent hash, and computes every parent hash exactly as the unpatched way does (the sibling
// subtree hashed again after copying the tree without the parent's unmerged leaves).
import type { CiphersuiteImpl, RatchetTree } from 'ts-mls';
import { calculateParentHash, encodeParentHashInput, verifyParentHashes } from 'ts-mls/parentHash.js';
import { decodeRatchetTree, removeLeaves } from 'ts-mls/ratchetTree.js';
import { treeHash } from 'ts-mls/treeHash.js';
import { isLeaf, left, leafWidth, right, root, toLeafIndex, toNodeIndex } from 'ts-mls/treemath.js';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '@candor/protocol';
import { commitChanges } from '../src/mls/group-commit.ts';
import { processIncoming } from '../src/mls/incoming-message.ts';
import { decodeKeyPackage } from '../src/mls/key-package.ts';
import type { GroupState } from '../src/mls/mls-types.ts';
import { joinFromWelcome } from '../src/mls/welcome-join.ts';
import { testWorld } from './mls-support/devices.ts';
import { OUR_SUITE_ID, PROVIDERS, loadVectors, suiteOf, unhex } from './rfc9420-vectors/vectors.ts';

interface TreeValidationCase {
  cipher_suite: number;
  tree: string;
}
const trees = loadVectors<TreeValidationCase>('tree-validation.json')
  .filter((c) => c.cipher_suite === OUR_SUITE_ID)
  .map((c) => decodeRatchetTree(unhex(c.tree), 0)![0]);

/** One byte of the parent hash of node `i` (a parent, or a leaf from a commit) flipped. */
function withParentHashFlipped(tree: RatchetTree, i: number): RatchetTree | undefined {
  const n = tree[i];
  const flip = (h: Uint8Array) => {
    const c = h.slice();
    c[0]! ^= 1;
    return c;
  };
  const copy = tree.slice();
  if (n?.nodeType === 'parent' && n.parent.parentHash.length > 0) copy[i] = { ...n, parent: { ...n.parent, parentHash: flip(n.parent.parentHash) } };
  else if (n?.nodeType === 'leaf' && n.leaf.leafNodeSource === 'commit' && n.leaf.parentHash.length > 0)
    copy[i] = { ...n, leaf: { ...n.leaf, parentHash: flip(n.leaf.parentHash) } };
  else return undefined;
  return copy;
}

/** ts-mls 1.6.4's calculateParentHash as published: copy the tree without the unmerged leaves, hash the sibling. */
async function unpatchedParentHash(tree: RatchetTree, nodeIndex: number, cs: CiphersuiteImpl): Promise<Uint8Array> {
  const [, parentIndex] = await calculateParentHash(tree, toNodeIndex(nodeIndex), cs.hash);
  const parent = parentIndex === undefined ? undefined : tree[parentIndex];
  if (parent?.nodeType !== 'parent') return new Uint8Array();
  const sibling = nodeIndex < parentIndex! ? right(parentIndex!) : left(parentIndex!);
  const originalSiblingTreeHash = await treeHash(removeLeaves(tree, parent.parent.unmergedLeaves.map(toLeafIndex)), sibling, cs.hash);
  return cs.hash.digest(encodeParentHashInput({ encryptionKey: parent.parent.hpkePublicKey, parentHash: parent.parent.parentHash, originalSiblingTreeHash }));
}

describe.each(PROVIDERS)('parent-hash verification (memoised) via %s', (_name, provider) => {
  it('computes every parent hash of the RFC 9420 tree-validation trees as the unpatched way does', async () => {
    const cs = await suiteOf(provider);
    expect(trees.length).toBeGreaterThan(0);
    let unmerged = 0;
    for (const tree of trees) {
      const memo = new Map<number, Uint8Array>();
      const top = root(leafWidth(tree.length));
      for (const [i, n] of tree.entries()) {
        if (n === undefined || i === top) continue;
        if (n.nodeType === 'parent') unmerged += n.parent.unmergedLeaves.length;
        const [memoised] = await calculateParentHash(tree, toNodeIndex(i), cs.hash, memo);
        expect(memoised, `node ${i}`).toEqual(await unpatchedParentHash(tree, i, cs));
      }
    }
    expect(unmerged, 'the vectors exercise unmerged leaves').toBeGreaterThan(0);
  });

  it('refuses each tree-validation tree with any one parent hash flipped', async () => {
    const cs = await suiteOf(provider);
    let flipped = 0;
    for (const tree of trees) {
      expect(await verifyParentHashes(tree, cs.hash)).toBe(true);
      for (let i = 0; i < tree.length; i++) {
        const bad = withParentHashFlipped(tree, i);
        if (!bad) continue;
        flipped++;
        expect(await verifyParentHashes(bad, cs.hash), `node ${i} flipped`).toBe(false);
      }
    }
    expect(flipped).toBeGreaterThan(10);
  });
});

describe('a join from a Welcome whose tree has one wrong parent hash', () => {
  /** Four members who have each committed with a path (parents 1, 3, 5 set), as member 0 holds it. */
  async function fullGroup() {
    const w = await testWorld();
    const devices = ['a', 'b', 'c', 'd'].map((u) => w.device(`${u}@example.test`));
    let states: GroupState[] = await w.group(devices);
    for (let committer = 0; committer < states.length; committer++) {
      const out = await commitChanges(w.suite, states[committer]!, [], []);
      states = await Promise.all(
        states.map(async (s, i) => {
          if (i === committer) return out.state;
          const r = await processIncoming(w.suite, s, out.commit);
          if (r.kind !== 'handshake') throw new Error('not a handshake');
          return r.state;
        }),
      );
    }
    return { w, a: states[0]! };
  }

  async function addAndJoin(w: Awaited<ReturnType<typeof testWorld>>, a: GroupState) {
    const kp = await w.device('e@example.test').keyPackage();
    const out = await commitChanges(w.suite, a, [decodeKeyPackage(fromBase64Url(kp.publicPackage)!)], []);
    return joinFromWelcome(w.suite, w.config, out.welcome!, async (ref) => (ref === kp.ref ? kp : undefined));
  }

  it('joins with the tree as it is, and fails with node 5 (off the committer’s path) changed', async () => {
    const { w, a } = await fullGroup();
    expect(a.ratchetTree[5]?.nodeType).toBe('parent');
    expect(isLeaf(toNodeIndex(5))).toBe(false);
    const joined = await addAndJoin(w, a);
    expect(joined.state.groupContext.epoch).toBe(a.groupContext.epoch + 1n);

    const bad = withParentHashFlipped(a.ratchetTree, 5)!;
    expect(await verifyParentHashes(bad, w.suite.hash)).toBe(false);
    await expect(addAndJoin(w, { ...a, ratchetTree: bad })).rejects.toThrow(/parent hash/);
  }, 60_000);
});
