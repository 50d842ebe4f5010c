// Starts the ceiling relay in its own Node process on CPU 0: ceiling-relay.ts as plain
// JavaScript (built to bench/dist/ceiling-relay.js by the bench's build step, build.ts), so it
// carries no tsx — like Candor's server, which runs from the built packages.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildOnce } from '../build.ts'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { SERVER_CPU, type SystemHandle } from './system.ts'

const RELAY = fileURLToPath(new URL('../../dist/ceiling-relay.js', import.meta.url))

export async function startCeiling(dir: string, opts: { sync?: 'FULL' | 'NORMAL' } = {}): Promise<SystemHandle> {
  await buildOnce()
  const child = spawnPinned(process.execPath, [RELAY, '--port', '0', '--db', join(dir, 'relay.db'), '--sync', opts.sync ?? 'FULL'], {
    cpu: SERVER_CPU,
  })
  const m = await waitForLine(child, /listening on (\d+)/, 20_000, 'ceiling relay')
  drainOutput(child)
  return {
    name: 'ceiling',
    pid: child.pid!,
    port: Number(m[1]),
    info: {},
    stop: () => stopChild(child),
  }
}
