import type { CiphersuiteImpl } from 'ts-mls';
import { verifyLeafNodeSignature } from 'ts-mls/leafNode.js';
import { verifyParentHashes } from 'ts-mls/parentHash.js';
import { decodeRatchetTree, resolution } from 'ts-mls/ratchetTree.js';
import { treeHash } from 'ts-mls/treeHash.js';
import { nodeToLeafIndex, toNodeIndex } from 'ts-mls/treemath.js';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface TreeValidationCase {
  cipher_suite: number;
  tree: string;
  group_id: string;
  tree_hashes: string[];
  resolutions: number[][];
}

const cases = loadVectors<TreeValidationCase>('tree-validation.json');

async function check(cs: CiphersuiteImpl, v: TreeValidationCase): Promise<void> {
  const tree = decodeRatchetTree(unhex(v.tree), 0)?.[0];
  if (tree === undefined) throw new Error('could not decode tree');
  for (const [i, h] of v.tree_hashes.entries()) expect(hex(await treeHash(tree, toNodeIndex(i), cs.hash)), `tree hash ${i}`).toBe(h);
  for (const [i, r] of v.resolutions.entries()) expect(resolution(tree, toNodeIndex(i)), `resolution ${i}`).toEqual(r);
  expect(await verifyParentHashes(tree, cs.hash), 'parent hashes').toBe(true);
  for (const [i, n] of tree.entries()) {
    if (n?.nodeType !== 'leaf') continue;
    const ok = await verifyLeafNodeSignature(n.leaf, unhex(v.group_id), nodeToLeafIndex(toNodeIndex(i)), cs.signature);
    expect(ok, `leaf signature at node ${i}`).toBe(true);
  }
}

describe.each(PROVIDERS)('RFC 9420 tree-validation vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: another group_id breaks the leaf signatures', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, group_id: flipHexByte(valid.group_id, 0) })).rejects.toThrow();
  });
  it('negative control: a flipped byte in the last leaf signature fails', async () => {
    const valid = ours[0]!;
    // The encoded tree ends with the last leaf's signature (no trailing parent after a leaf).
    await expect(check(await suiteOf(provider), { ...valid, tree: flipHexByte(valid.tree, -1) })).rejects.toThrow();
  });
});
