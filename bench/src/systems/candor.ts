// Starts the real Candor server pinned to CPU 0: `candor serve` from the built packages, as
// deployed (candor-dist.ts: built first, then bin/candor.js runs dist/ without tsx), or, if it
// cannot start, candor-serve.ts through tsx (same createServer + SqliteStore). Which one ran is
// each row's `launcher` (`dist` or `direct`): the direct one loads less (no CLI, no SDK) and
// carries tsx, so its RSS and CPU are not the product's.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { candorFromDist } from './candor-dist.ts'
import { SERVER_CPU, type SystemHandle } from './system.ts'

const DIRECT = fileURLToPath(new URL('./candor-serve.ts', import.meta.url))
let useDist = process.env.CANDOR_BENCH_LAUNCH !== 'direct'

/** How long a server may take to listen: a loaded 2-core machine took 24–33 s to start `candor serve` from source (through tsx). */
const START_TIMEOUT_MS = 90_000

async function launch(args: string[], launcher: 'dist' | 'direct', env?: NodeJS.ProcessEnv): Promise<SystemHandle> {
  const child = spawnPinned(process.execPath, args, { cpu: SERVER_CPU, ...(env ? { env } : {}) })
  try {
    const m = await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:(\d+)/, START_TIMEOUT_MS, 'candor server')
    drainOutput(child)
    return { name: 'candor', pid: child.pid!, port: Number(m[1]), info: { launcher }, stop: () => stopChild(child) }
  } catch (e) {
    await stopChild(child, 500)
    throw e
  }
}

export async function startCandor(dir: string, o: { httpRatePerAddress?: number } = {}): Promise<SystemHandle> {
  const data = join(dir, 'server')
  // A per-address limit other than the default: `candor serve --http-rate` (docs/limits.md).
  const rate = o.httpRatePerAddress ? ['--http-rate', String(o.httpRatePerAddress)] : []
  // --cpu-prof DIR (bench flag) profiles the server; the direct launcher exits cleanly, so
  // Node writes the profile.
  const prof = process.env.CANDOR_BENCH_CPU_PROF
  if (prof) return launch(['--cpu-prof', '--cpu-prof-dir', prof, '--conditions=candor-source', '--import', 'tsx', DIRECT, '--port', '0', '--data', data, '--log-level', 'warn', ...rate], 'direct')
  if (useDist) {
    // A failed build is an error, not a reason to measure the source instead.
    const serve = await candorFromDist(['serve', '--port', '0', '--data', data, '--log-level', 'warn', ...rate])
    try {
      return await launch(serve.args, 'dist', serve.env)
    } catch (e) {
      process.stderr.write(`  candor serve did not start (${(e as Error).message.split('\n')[0]!.slice(0, 200)}); using bench/src/systems/candor-serve.ts\n`)
      useDist = false
    }
  }
  return launch(['--conditions=candor-source', '--import', 'tsx', DIRECT, '--port', '0', '--data', data, '--log-level', 'warn', ...rate], 'direct')
}
