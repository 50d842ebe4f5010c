// The direction of dependencies between the workspace's packages (DESIGN.md, "Ports"): the
// server and the adapters meet only in @candor/ports, nothing depends on the bench, test
// helpers are only ever a devDependency, no two packages depend on each other in a cycle,
// and every @candor package a file imports is one its package.json declares.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

interface Manifest {
  name: string
  private?: boolean
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

interface Workspace {
  dir: string
  manifest: Manifest
  deps: Set<string>
  devDeps: Set<string>
}

const candor = (deps: Record<string, string> | undefined): Set<string> => new Set(Object.keys(deps ?? {}).filter((d) => d.startsWith('@candor/')))

function readWorkspaces(): Map<string, Workspace> {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
  const out = new Map<string, Workspace>()
  for (const dir of root.workspaces) {
    const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest
    out.set(manifest.name, { dir, manifest, deps: candor(manifest.dependencies), devDeps: candor(manifest.devDependencies) })
  }
  return out
}

/** A cycle as a path of package names (first = last), or null. */
function findCycle(edges: ReadonlyMap<string, Iterable<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n]
    state.set(n, 'open')
    path.push(n)
    for (const m of edges.get(n) ?? []) {
      const c = visit(m)
      if (c) return c
    }
    path.pop()
    state.set(n, 'done')
    return null
  }
  for (const n of edges.keys()) {
    const c = visit(n)
    if (c) return c
  }
  return null
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue
    const p = join(dir, e)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (/\.(ts|tsx|js)$/.test(e)) out.push(p)
  }
  return out
}

/** Files only tests load: *.test.ts anywhere, and everything under a test/ folder. */
const testOnly = (file: string): boolean => /\.test\.tsx?$/.test(file) || /(^|\/)test\//.test(file)

const workspaces = readWorkspaces()
const ADAPTERS = ['@candor/store-sqlite', '@candor/store-postgres', '@candor/bus-nats']

describe('workspace dependencies', () => {
  it('have no cycle, devDependencies included', () => {
    const edges = new Map([...workspaces].map(([name, w]) => [name, [...w.deps, ...w.devDeps]]))
    expect(findCycle(edges)).toBeNull()
  })

  it('find a cycle when there is one (negative control)', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a'])
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeNull()
  })

  it('keep the ports free of anything but types and the packages those types name', () => {
    const ports = workspaces.get('@candor/ports')
    expect(ports).toBeDefined()
    expect(Object.keys(ports!.manifest.dependencies ?? {}).sort()).toEqual(['@candor/protocol', '@candor/transparency'])
  })

  it.each(ADAPTERS)('let %s depend on the ports, never on the server', (name) => {
    const w = workspaces.get(name)!
    expect(w.deps).toContain('@candor/ports')
    expect([...w.deps, ...w.devDeps]).not.toContain('@candor/server')
  })

  it('keep test helpers and the bench out of what ships', () => {
    expect(workspaces.get('@candor/testkit')?.manifest.private).toBe(true)
    // The bench is the one exception: it ships nowhere (private, a program for developers) and
    // takes the build lock it shares with the packaging tests from testkit.
    expect(workspaces.get('@candor/bench')?.manifest.private).toBe(true)
    for (const [name, w] of workspaces) {
      if (name !== '@candor/bench') expect(w.deps, `${name} dependencies`).not.toContain('@candor/testkit')
      if (name !== '@candor/bench') expect([...w.deps, ...w.devDeps], `${name}`).not.toContain('@candor/bench')
    }
  })

  it('declare every @candor package their files import (production files: in dependencies)', () => {
    const missing: string[] = []
    for (const [name, w] of workspaces) {
      for (const file of sourceFiles(join(ROOT, w.dir))) {
        const rel = relative(ROOT, file)
        // Module specifiers: `from '…'`, `import '…'` and `import('…')`.
        const named = readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](@candor\/[a-z-]+)(?:\/[^'"]*)?['"]/g)
        for (const [, pkg] of named) {
          if (pkg === name) continue
          const declared = testOnly(relative(join(ROOT, w.dir), file)) ? w.deps.has(pkg!) || w.devDeps.has(pkg!) : w.deps.has(pkg!)
          if (!declared) missing.push(`${rel} imports ${pkg}`)
        }
      }
    }
    expect([...new Set(missing)]).toEqual([])
  })
})
