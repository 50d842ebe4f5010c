// The arrows DESIGN.md allows between our packages, checked on every import of every file:
// protocol depends on nothing of ours; MLS (ts-mls) is reached only through crypto; the server
// never imports the SDK and the adapters never import the server; the packages that run in
// browsers use no `node:` module outside their node/ adapters; and nothing imports another
// package's files past its `exports` (`@candor/x/src/…`).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** Our packages each package's production files may import (folder name → folder names). */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  crypto: ['protocol'],
  transparency: ['protocol', 'crypto'],
  ports: ['protocol', 'transparency'],
  compliance: ['protocol', 'transparency'],
  server: ['protocol', 'crypto', 'transparency', 'ports', 'compliance'],
  'store-sqlite': ['protocol', 'transparency', 'ports'],
  'store-postgres': ['protocol', 'transparency', 'ports'],
  'bus-nats': ['protocol', 'ports'],
  sdk: ['protocol', 'crypto', 'transparency', 'compliance'],
  cli: ['protocol', 'crypto', 'transparency', 'ports', 'server', 'store-sqlite', 'store-postgres', 'bus-nats', 'sdk', 'compliance'],
  web: ['protocol', 'crypto', 'sdk'],
  testkit: ['protocol', 'transparency', 'ports'],
  // The bench ships nowhere either (private, a program for developers): it shares the build lock
  // with the packaging tests (`@candor/testkit/build-lock`).
  bench: ['protocol', 'crypto', 'transparency', 'ports', 'server', 'store-sqlite', 'store-postgres', 'bus-nats', 'sdk', 'cli', 'testkit'],
}

/** Tests may also import these (a real server and store for integration tests, test helpers). */
const ALLOWED_IN_TESTS: Record<string, readonly string[]> = {
  crypto: ['transparency'],
  server: ['store-sqlite', 'testkit'],
  'store-sqlite': ['testkit'],
  'store-postgres': ['testkit'],
  'bus-nats': ['testkit'],
  sdk: ['server', 'store-sqlite', 'testkit'],
  cli: ['testkit'],
  web: ['server', 'store-sqlite', 'testkit'],
  bench: ['testkit'],
}

/** Packages whose code runs in browsers: `node:` modules only under a node/ folder. */
const BROWSER_SAFE = new Set(['protocol', 'crypto', 'transparency', 'ports', 'compliance', 'sdk', 'web'])

export interface SourceFile {
  /** The package's folder name (packages/<name>, apps/<name>, bench). */
  pkg: string
  /** Path inside the package. */
  path: string
  specifiers: string[]
}

const isTest = (path: string): boolean => /\.test\.tsx?$/.test(path) || /(^|\/)test\//.test(path)

/** Every rule a file breaks, one line each. */
export function violations(f: SourceFile): string[] {
  const out: string[] = []
  const where = `${f.pkg}/${f.path}`
  const test = isTest(f.path)
  const ours = new Set([...(ALLOWED[f.pkg] ?? []), ...(test ? (ALLOWED_IN_TESTS[f.pkg] ?? []) : [])])
  for (const s of f.specifiers) {
    const m = /^@candor\/([a-z-]+)(\/.*)?$/.exec(s)
    if (m) {
      const [, target, sub] = m
      if (sub !== undefined && /^\/(src|dist|test)(\/|$)/.test(sub)) out.push(`${where}: imports ${s} past the package's exports`)
      if (target !== f.pkg && !ours.has(target!)) out.push(`${where}: ${f.pkg} → ${target} is not an arrow the design allows`)
      continue
    }
    if ((s === 'ts-mls' || s.startsWith('ts-mls/')) && f.pkg !== 'crypto') out.push(`${where}: imports ${s}; MLS is reached only through @candor/crypto`)
    if (s.startsWith('node:') && BROWSER_SAFE.has(f.pkg) && !test && !/(^|\/)node\//.test(f.path) && !f.path.startsWith('bench/') && !(f.pkg === 'web' && f.path.startsWith('build/')) && !f.path.endsWith('.config.ts')) {
      out.push(`${where}: imports ${s}, but ${f.pkg} runs in browsers (node: modules belong in a node/ adapter)`)
    }
  }
  return out
}

function files(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue
    const p = join(dir, e)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (/\.(ts|tsx|js|mjs)$/.test(e)) out.push(p)
  }
  return out
}

function specifiers(text: string): string[] {
  // `from '…'` (imports and re-exports, `import type` too), `import '…'` and `import('…')`.
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!)
}

function workspaceFiles(): SourceFile[] {
  const out: SourceFile[] = []
  const packageDirs = [
    ...readdirSync(join(ROOT, 'packages')).map((p) => join('packages', p)),
    ...readdirSync(join(ROOT, 'apps')).map((p) => join('apps', p)),
    'bench',
  ]
  for (const dir of packageDirs) {
    const pkg = dir.split('/').at(-1)!
    for (const file of files(join(ROOT, dir))) {
      out.push({ pkg, path: relative(join(ROOT, dir), file), specifiers: specifiers(readFileSync(file, 'utf8')) })
    }
  }
  return out
}

describe('imports between packages', () => {
  it('follow the arrows of the design, in every file of every package', () => {
    const all = workspaceFiles()
    expect(all.length).toBeGreaterThan(200)
    expect(new Set(all.map((f) => f.pkg))).toEqual(new Set(Object.keys(ALLOWED)))
    expect(all.flatMap(violations)).toEqual([])
  })

  it('are refused where the design forbids them (negative controls)', () => {
    const check = (pkg: string, path: string, s: string) => violations({ pkg, path, specifiers: [s] })
    expect(check('protocol', 'src/ids.ts', '@candor/crypto')).toHaveLength(1)
    expect(check('server', 'src/http/groups-routes.ts', '@candor/sdk')).toHaveLength(1)
    expect(check('store-sqlite', 'src/sqlite-store.ts', '@candor/server')).toHaveLength(1)
    expect(check('bus-nats', 'src/nats-bus.ts', '@candor/server')).toHaveLength(1)
    expect(check('sdk', 'src/incoming.ts', 'ts-mls')).toHaveLength(1)
    expect(check('server', 'test/x.test.ts', 'ts-mls/clientState.js')).toHaveLength(1)
    expect(check('sdk', 'src/client.ts', 'node:fs')).toHaveLength(1)
    expect(check('web', 'src/pwa/attention.ts', 'node:zlib')).toHaveLength(1)
    expect(check('cli', 'src/main.ts', '@candor/bench')).toHaveLength(1)
    expect(check('sdk', 'test/x.test.ts', '@candor/server/src/server.ts')).toHaveLength(1)
    expect(check('web', 'src/app.tsx', '@candor/server')).toHaveLength(1)
    // …and allowed where it allows them.
    expect(check('crypto', 'src/mls/group.ts', 'ts-mls')).toEqual([])
    expect(check('sdk', 'src/node/file-store.ts', 'node:fs')).toEqual([])
    // The web app's build tooling runs in Node, at build time (Vite's plugins).
    expect(check('web', 'build/vite-plugins.ts', 'node:zlib')).toEqual([])
    expect(check('sdk', 'test/dev-env.ts', '@candor/server')).toEqual([])
    expect(check('cli', 'src/commands/serve.ts', '@candor/store-sqlite')).toEqual([])
    expect(check('crypto', 'src/node/index.ts', '@candor/crypto')).toEqual([])
  })
})
