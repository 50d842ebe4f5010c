import { left, nodeWidth, parent, right, root, sibling, toNodeIndex } from 'ts-mls/treemath.js';
import { describe, expect, it } from 'vitest';
import { loadVectors } from './vectors.ts';

interface TreeMath {
  n_leaves: number;
  n_nodes: number;
  root: number;
  left: (number | null)[];
  right: (number | null)[];
  parent: (number | null)[];
  sibling: (number | null)[];
}

const cases = loadVectors<TreeMath>('tree-math.json');

function attempt(f: () => number): number | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** Checks one case; throws (via expect) on the first disagreement. */
function check(t: TreeMath): void {
  expect(nodeWidth(t.n_leaves)).toBe(t.n_nodes);
  expect(root(t.n_leaves)).toBe(t.root);
  const all = <K extends 'left' | 'right' | 'parent' | 'sibling'>(k: K, f: (i: number) => number) =>
    expect(t[k].map((_, i) => attempt(() => f(i))), k).toEqual(t[k]);
  all('left', (i) => left(toNodeIndex(i)));
  all('right', (i) => right(toNodeIndex(i)));
  all('parent', (i) => parent(toNodeIndex(i), t.n_leaves));
  all('sibling', (i) => sibling(toNodeIndex(i), t.n_leaves));
}

describe('RFC 9420 tree-math vectors (suite-independent)', () => {
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => check(c));

  it('negative control: a corrupted parent entry is detected', () => {
    const c = cases[cases.length - 1]!;
    const i = c.parent.findIndex((p) => p !== null);
    const corrupted = { ...c, parent: c.parent.map((p, j) => (j === i && p !== null ? p ^ 1 : p)) };
    expect(() => check(corrupted)).toThrow();
  });
});
