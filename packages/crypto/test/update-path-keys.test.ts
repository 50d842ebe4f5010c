// ts-mls's applyUpdatePath refuses an UpdatePath whose public keys appear in a parent node of
// the tree. patches/ts-mls+1.6.4.patch replaces its scan (every path key compared in constant
// time with every parent node's key) by one pass over the tree with the path keys indexed by
// their first bytes (docs/upstream-ts-mls.md §6). These cases check that it gives the published
// answer: refused for a parent node's key in any position of the path (also beside a key
// sharing its first bytes), not refused for a key that differs from one only in a later byte,
// in length, or by being a prefix of it — those reach the parent-hash check instead.
import type { RatchetTree } from 'ts-mls';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { toLeafIndex } from 'ts-mls/treemath.js';
import { applyUpdatePath, decodeUpdatePath, type UpdatePath } from 'ts-mls/updatePath.js';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, loadVectors, OUR_SUITE_ID, suiteOf, unhex } from './rfc9420-vectors/vectors.ts';

interface TreeKemCase {
  cipher_suite: number;
  ratchet_tree: string;
  update_paths: { sender: number; update_path: string }[];
}

const KEY_IN_TREE = /Public keys in the UpdatePath may not appear in a node of the new ratchet tree/;
const PARENT_HASH = /Parent hash did not match the UpdatePath/;

const cases = loadVectors<TreeKemCase>('treekem.json')
  .filter((c) => c.cipher_suite === OUR_SUITE_ID)
  .map((c) => {
    const tree = decodeRatchetTree(unhex(c.ratchet_tree), 0)?.[0];
    if (tree === undefined) throw new Error('could not decode ratchet_tree');
    const paths = c.update_paths.map((up) => {
      const path = decodeUpdatePath(unhex(up.update_path), 0)?.[0];
      if (path === undefined) throw new Error('could not decode update_path');
      return { sender: toLeafIndex(up.sender), path };
    });
    return { tree, paths };
  });

const parentKeys = (tree: RatchetTree): Uint8Array[] =>
  tree.flatMap((n) => (n?.nodeType === 'parent' ? [n.parent.hpkePublicKey] : []));

/** The path with the key of node `i` replaced. */
const withKey = (path: UpdatePath, i: number, key: Uint8Array): UpdatePath => ({
  ...path,
  nodes: path.nodes.map((n, j) => (j === i ? { ...n, hpkePublicKey: key } : n)),
});

/** Near misses of `key`: equal first bytes but not equal. */
function nearMisses(key: Uint8Array): [string, Uint8Array][] {
  const last = key.slice();
  last[last.length - 1]! ^= 0x01;
  const fifth = key.slice();
  fifth[4]! ^= 0x80;
  return [
    ['last byte flipped', last],
    ['fifth byte flipped', fifth],
    ['one byte shorter', key.slice(0, key.length - 1)],
    ['one byte longer', Uint8Array.from([...key, 0])],
  ];
}

describe.each(PROVIDERS)('UpdatePath keys against the tree (patched scan) via %s', (_name, provider) => {
  it('the vectors have trees with parent keys and paths of more than one node', () => {
    expect(cases.length).toBeGreaterThan(0);
    expect(cases.some((c) => parentKeys(c.tree).length > 1 && c.paths.some((p) => p.path.nodes.length > 1))).toBe(true);
  });

  it('accepts each vector path as it is', async () => {
    const cs = await suiteOf(provider);
    for (const { tree, paths } of cases) for (const { sender, path } of paths) await applyUpdatePath(tree, sender, path, cs.hash);
  });

  it("refuses a path carrying any parent node's key at any position", async () => {
    const cs = await suiteOf(provider);
    let tried = 0;
    for (const { tree, paths } of cases)
      for (const { sender, path } of paths)
        for (let i = 0; i < path.nodes.length; i++)
          for (const key of parentKeys(tree)) {
            tried++;
            await expect(applyUpdatePath(tree, sender, withKey(path, i, key.slice()), cs.hash), `node ${i}`).rejects.toThrow(KEY_IN_TREE);
          }
    expect(tried).toBeGreaterThan(50);
  });

  it("refuses a parent node's key beside a path key with the same first bytes", async () => {
    const cs = await suiteOf(provider);
    let tried = 0;
    for (const { tree, paths } of cases)
      for (const { sender, path } of paths) {
        if (path.nodes.length < 2) continue;
        for (const key of parentKeys(tree))
          for (const [what, miss] of nearMisses(key)) {
            tried++;
            const both = withKey(withKey(path, 0, miss), 1, key.slice());
            await expect(applyUpdatePath(tree, sender, both, cs.hash), what).rejects.toThrow(KEY_IN_TREE);
            const swapped = withKey(withKey(path, 0, key.slice()), 1, miss);
            await expect(applyUpdatePath(tree, sender, swapped, cs.hash), what).rejects.toThrow(KEY_IN_TREE);
          }
      }
    expect(tried).toBeGreaterThan(0);
  });

  it("does not take a key sharing a parent key's first bytes (or a prefix of it) for that key", async () => {
    const cs = await suiteOf(provider);
    let tried = 0;
    for (const { tree, paths } of cases)
      for (const { sender, path } of paths)
        for (const key of parentKeys(tree))
          for (const [what, miss] of nearMisses(key)) {
            tried++;
            // Not refused as a key of the tree: it gets as far as the parent hashes, which the
            // changed key breaks.
            await expect(applyUpdatePath(tree, sender, withKey(path, 0, miss), cs.hash), what).rejects.toThrow(PARENT_HASH);
          }
    expect(tried).toBeGreaterThan(50);
  });
});
