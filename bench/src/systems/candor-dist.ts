// `candor` as deployed: packages/cli/bin/candor.js running the built JavaScript in each
// package's dist/ under Node's default export conditions (no tsx, no "candor-source") — the path
// it takes when installed from the packed tarballs, forced in this checkout by CANDOR_FROM_DIST=1.
// The packages are built first, once per process (`npm run build:packages`: `tsc -b`, which
// rebuilds only what changed), so a stale dist/ is never what runs.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = fileURLToPath(new URL('../../../packages/cli/bin/candor.js', import.meta.url))
const BUILD = ['-b', 'packages/cli/tsconfig.build.json']
/** Held (it names its holder's pid) while this checkout's packages build. */
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

/** Builds the packages (once per process; later calls wait for the same build). Its time goes to stderr. */
export function buildPackages(): Promise<void> {
  built ??= underLock(async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    const t0 = performance.now()
    try {
      await promisify(execFile)(process.execPath, [tsc, ...BUILD], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
    } catch (e) {
      // tsc prints its errors on stdout.
      const out = (e as { stdout?: string }).stdout ?? ''
      throw new Error(`the packages did not build (tsc ${BUILD.join(' ')}): ${out.slice(0, 2000) || (e as Error).message}`)
    }
    process.stderr.write(`built the packages (tsc ${BUILD.join(' ')}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  })
  return built
}

/**
 * Node's arguments and environment for `candor ARGS` from the built packages, after building
 * them. NODE_OPTIONS is not passed on: a `--conditions` or `--import` there would change what runs.
 */
export async function candorFromDist(args: readonly string[]): Promise<{ args: string[]; env: NodeJS.ProcessEnv }> {
  await buildPackages()
  const env: NodeJS.ProcessEnv = { ...process.env, CANDOR_FROM_DIST: '1' }
  delete env.NODE_OPTIONS
  return { args: [CLI, ...args], env }
}
