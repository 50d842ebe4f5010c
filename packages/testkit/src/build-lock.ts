// One build of a checkout's dist/ at a time. The bench builds the packages before it starts
// `candor serve` from dist/ (bench/src/build.ts), and the packaging tests' `npm pack` rebuilds
// them in its prepack step; test files run in parallel, so without this a server could load a
// dist/ file another tsc is rewriting. Whoever builds second finds everything up to date (tsc -b
// writes nothing then). The lock is a file in the temporary folder naming its holder's pid.
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The lock file of the checkout at `root`. */
export const buildLockPath = (root: string): string =>
  join(tmpdir(), `candor-build-${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16)}.lock`)

/** Runs `f` (which builds in the checkout at `root`) while holding that checkout's build lock. */
export async function underBuildLock<T>(root: string, f: () => T | Promise<T>): Promise<T> {
  const lock = buildLockPath(root)
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    let holder: string
    let ageMs: number
    try {
      holder = readFileSync(lock, 'utf8')
      ageMs = Date.now() - statSync(lock).mtimeMs
    } catch {
      continue // released meanwhile
    }
    // Left by a process that died building, or (still empty after seconds) creating it.
    const stale = holder ? !alive(Number(holder)) : ageMs > 5000
    if (stale) rmSync(lock, { force: true })
    else await new Promise((r) => setTimeout(r, 200))
  }
  try {
    return await f()
  } finally {
    rmSync(lock, { force: true })
  }
}
