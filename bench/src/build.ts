// What the bench runs as built JavaScript, built before it runs: the packages (`npm run
// build:packages`, for `candor serve` as deployed: systems/candor-dist.ts) and the ceiling relay
// (bench/tsconfig.relay.json → bench/dist/ceiling-relay.js: plain JavaScript, no tsx). One
// `tsc -b`, once per process; incremental, so a second or two when nothing changed, and a
// stale dist/ is never what runs.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { underBuildLock } from '@candor/testkit/build-lock'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BUILD = ['-b', 'packages/cli/tsconfig.build.json', 'bench/tsconfig.relay.json']

let built: Promise<void> | undefined

/** Builds (once per process; later calls wait for the same build). Its time goes to stderr. */
export function buildOnce(): Promise<void> {
  built ??= underBuildLock(ROOT, async () => {
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
