// src/index.ts ships to browsers: nothing it reaches (through our own files) may import a
// Node built-in. Static check over the relative import graph.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const builtins = new Set(builtinModules);

function reachable(entry: string): { files: string[]; external: Map<string, string> } {
  const seen = new Set<string>();
  const external = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else external.set(spec, file);
    }
  };
  visit(entry);
  return { files: [...seen], external };
}

describe('browser entry point', () => {
  it('reaches no node: or built-in module', () => {
    const { files, external } = reachable(fileURLToPath(new URL('./index.ts', import.meta.url)));
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((f) => f.includes('/node/'))).toBe(false);
    const nodeOnly = [...external].filter(([spec]) => spec.startsWith('node:') || builtins.has(spec.split('/')[0]!));
    expect(nodeOnly).toEqual([]);
  });

  it('control: the same check sees node:crypto from the node entry point', () => {
    const { external } = reachable(fileURLToPath(new URL('./node/index.ts', import.meta.url)));
    expect(external.has('node:crypto')).toBe(true);
  });
});
