// The bench measures `candor serve` as deployed: built first, then started so that every module
// it loads is built JavaScript — no tsx, no TypeScript source, each workspace package from its
// dist/ under Node's default export conditions. A resolve hook (added in front of the launch)
// records every module the server resolves until it listens.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnPinned, stopChild, waitForLine } from '../src/spawn.ts'
import { candorFromDist } from '../src/systems/candor-dist.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-dist-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const dataUrl = (js: string) => 'data:text/javascript,' + encodeURIComponent(js)

/** `--import` this: appends `specifier resolved-url` per resolution to `log`. */
function recordResolutions(log: string): string {
  const hooks = dataUrl(`
import { appendFileSync } from 'node:fs'
let log
export function initialize(d) { log = d.log }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  appendFileSync(log, specifier + ' ' + r.url + '\\n')
  return r
}`)
  return dataUrl(`import { register } from 'node:module'; register(${JSON.stringify(hooks)}, import.meta.url, { data: { log: ${JSON.stringify(log)} } })`)
}

describe('candor serve from the built packages (the bench launcher)', () => {
  it('loads no tsx and no source: every @candor package resolves to its dist/', async () => {
    const log = join(dir, 'resolved.txt')
    const serve = await candorFromDist(['serve', '--port', '0', '--data', join(dir, 'server'), '--log-level', 'warn'])
    const child = spawnPinned(process.execPath, ['--import', recordResolutions(log), ...serve.args], { cpu: -1, env: serve.env })
    try {
      await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:\d+/, 120_000, 'candor serve')
    } finally {
      await stopChild(child)
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string])
    const urls = lines.map(([, url]) => url)
    expect(urls.filter((u) => u.includes('/node_modules/tsx/') || /\.tsx?$/.test(u))).toEqual([])
    const candor = lines.filter(([s]) => s.startsWith('@candor/'))
    // The server, its stores and the CLI's own imports, at least.
    for (const p of ['@candor/server', '@candor/store-sqlite', '@candor/protocol', '@candor/crypto', '@candor/sdk']) expect(candor.map(([s]) => s)).toContain(p)
    for (const [s, url] of candor) expect(url, s).toMatch(/\/packages\/[a-z-]+\/dist\/.+\.js$/)
    expect(urls).toContainEqual(expect.stringMatching(/\/packages\/cli\/dist\/main\.js$/))
  }, 600_000)
})
