// Candor on PostgreSQL + NATS: N `candor serve` nodes on one fresh PostgreSQL schema and the
// machine's NATS, for scenario 1 against one node and against three. The load generator puts
// device i on node i mod N, so the two devices of every 1:1 pair sit on different nodes and
// each message crosses NATS (with one node, none does).
//
// Pinning: `pinned` puts every server-side process on CPU 0 — the nodes, and for the run the
// PostgreSQL cluster's processes and nats-server too (taskset; restored to all CPUs after) —
// so the comparison with one SQLite node on CPU 0 is like for like. `spread` leaves them all
// free on both CPUs (the load generator stays on CPU 1): a stand-in for adding a machine.
// Server CPU and RSS are summed over all of those processes.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { SERVER_CPU, type SystemHandle, type SystemName } from './system.ts'

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/candor.js', import.meta.url))
const PG_URL = process.env.CANDOR_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const NATS_URL = process.env.CANDOR_BENCH_NATS ?? 'nats://127.0.0.1:4222'

function psql(sql: string): string {
  return execFileSync('psql', [PG_URL, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8' })
}

function pidsOf(user: string, name?: string): number[] {
  const args = name ? ['-u', user, '-x', name] : ['-u', user]
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** The PostgreSQL cluster's processes and nats-server: shared services the nodes lean on. */
function servicePids(): number[] {
  return [...pidsOf('postgres'), ...pidsOf('root', 'nats-server')]
}

function setAffinity(pids: readonly number[], cpus: string): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
    } catch {
      // gone already, or not ours to move: its CPU still counts, pinned or not
    }
  }
}

export async function startCandorCluster(dir: string, nodes: number, placement: 'pinned' | 'spread'): Promise<SystemHandle> {
  const schema = `bench_${randomBytes(4).toString('hex')}`
  psql(`CREATE SCHEMA ${schema}`)
  const children: ReturnType<typeof spawnPinned>[] = []
  const services = servicePids()
  const allCpus = '0-1'
  if (placement === 'pinned') setAffinity(services, String(SERVER_CPU))
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)))
    if (placement === 'pinned') setAffinity(servicePids(), allCpus)
    try {
      psql(`DROP SCHEMA ${schema} CASCADE`)
    } catch {
      // a schema left behind is harmless; its name is random
    }
  }
  try {
    const ports: number[] = []
    // One at a time: the first node runs the migrations and creates the keys the others load.
    for (let i = 0; i < nodes; i++) {
      const args = [CLI, 'serve', '--port', '0', '--data', join(dir, `node${i}`), '--store', PG_URL, '--store-schema', schema, '--bus', NATS_URL, '--node-id', `bench-${i}`, '--log-level', 'warn']
      const child = spawnPinned(process.execPath, args, { cpu: placement === 'pinned' ? SERVER_CPU : -1 })
      children.push(child)
      const m = await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000, `candor node ${i}`)
      drainOutput(child)
      ports.push(Number(m[1]))
    }
    const name = `candor-pg${nodes}${placement === 'spread' ? '-spread' : ''}` as SystemName
    return {
      name,
      pid: children[0]!.pid!,
      port: ports[0]!,
      ports,
      // New PostgreSQL backends (the nodes' pools) exist by now; list them again per window.
      serverPids: () => [...children.map((c) => c.pid!), ...servicePids()],
      info: { nodes: String(nodes), placement },
      stop,
    }
  } catch (e) {
    await stop()
    throw e
  }
}
