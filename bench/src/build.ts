// What the bench runs as built JavaScript, built before it runs: the packages (`npm run
// build:packages`, for `candor serve` as deployed: systems/candor-dist.ts) and the ceiling relay
// (bench/tsconfig.relay.json → bench/dist/ceiling-relay.js: plain JavaScript, no tsx). One
// `tsc -b`, once per process; incremental, so a second or two when nothing changed, and a
// stale dist/ is never what runs.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BUILD = ['-b', 'packages/cli/tsconfig.build.json', 'bench/tsconfig.relay.json']
/** Held (it names its holder's pid) while this checkout builds. */
const LOCK = join(tmpdir(), `candor-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.lock`)

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * One build at a time per checkout: bench programs and test files start in parallel, and a
 * server must not load a dist/ file another tsc is rewriting. The next builder finds it up to date.
 */
async function underLock<T>(f: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    let holder: string
    let ageMs: number
    try {
      holder = readFileSync(LOCK, 'utf8')
      ageMs = Date.now() - statSync(LOCK).mtimeMs
    } catch {
      continue // released meanwhile
    }
    // Left by a process that died building, or (still empty after seconds) creating it.
    const stale = holder ? !alive(Number(holder)) : ageMs > 5000
    if (stale) rmSync(LOCK, { force: true })
    else await new Promise((r) => setTimeout(r, 200))
  }
  try {
    return await f()
  } finally {
    rmSync(LOCK, { force: true })
  }
}

let built: Promise<void> | undefined

/** Builds (once per process; later calls wait for the same build). Its time goes to stderr. */
export function buildOnce(): Promise<void> {
  built ??= underLock(async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    const t0 = performance.now()
    try {
      await promisify(execFile)(process.execPath, [tsc, ...BUILD], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
    } catch (e) {
      // tsc prints its errors on stdout.
      const out = (e as { stdout?: string }).stdout ?? ''
      throw new Error(`the build failed (tsc ${BUILD.join(' ')}): ${out.slice(0, 2000) || (e as Error).message}`)
    }
    process.stderr.write(`built (tsc ${BUILD.join(' ')}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  })
  return built
}
