// Starts the real Candor server pinned to CPU 0: `candor serve` (packages/cli/bin/candor.js),
// or, if the CLI cannot start it, candor-serve.ts (same createServer + SqliteStore). Which one ran
// is each row's `launcher` (`cli` or `direct`): the direct one loads less (no CLI, no SDK), so
// its RSS is not the product's.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { SERVER_CPU, type SystemHandle } from './system.ts'

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/candor.js', import.meta.url))
const DIRECT = fileURLToPath(new URL('./candor-serve.ts', import.meta.url))
let useCli = process.env.CANDOR_BENCH_LAUNCH !== 'direct'

/** How long a server may take to listen: a loaded 2-core machine took 24–33 s to start `candor serve` from source. */
const START_TIMEOUT_MS = 90_000

async function launch(args: string[], launcher: 'cli' | 'direct'): Promise<SystemHandle> {
  const child = spawnPinned(process.execPath, args, { cpu: SERVER_CPU })
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
  if (useCli) {
    try {
      return await launch([CLI, 'serve', '--port', '0', '--data', data, '--log-level', 'warn', ...rate], 'cli')
    } catch (e) {
      process.stderr.write(`  candor serve did not start (${(e as Error).message.split('\n')[0]!.slice(0, 200)}); using bench/src/systems/candor-serve.ts\n`)
      useCli = false
    }
  }
  return launch(['--conditions=candor-source', '--import', 'tsx', DIRECT, '--port', '0', '--data', data, '--log-level', 'warn', ...rate], 'direct')
}
