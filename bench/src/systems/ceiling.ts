// Starts the ceiling relay (ceiling-relay.ts) in its own Node process on CPU 0.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { SERVER_CPU, type SystemHandle } from './system.ts'

const RELAY = fileURLToPath(new URL('./ceiling-relay.ts', import.meta.url))

export async function startCeiling(dir: string, opts: { sync?: 'FULL' | 'NORMAL' } = {}): Promise<SystemHandle> {
  const child = spawnPinned(process.execPath, ['--conditions=candor-source', '--import', 'tsx', RELAY, '--port', '0', '--db', join(dir, 'relay.db'), '--sync', opts.sync ?? 'FULL'], {
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
