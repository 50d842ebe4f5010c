// Candor on PostgreSQL + NATS: N `candor serve` nodes (from the built packages, as deployed:
// candor-dist.ts; rows say launcher=dist) on one throwaway PostgreSQL database
// (created for the run, dropped after) and the machine's NATS, for scenario 1 against one node
// and against three. The load generator puts device i on node i mod N, so the two devices of
// every 1:1 pair (2k, 2k+1) sit on different nodes and each message crosses NATS (with one
// node, none does).
//
// Pinning: `pinned` puts every server-side process on CPU 0 — the nodes, and for the run the
// PostgreSQL cluster's processes (postmaster, so new backends too) and nats-server (all
// threads) — with taskset, restored to all CPUs after, so the comparison with one SQLite node
// on CPU 0 is like for like. `spread` leaves them all free on both CPUs (the load generator
// stays on CPU 1): a stand-in for adding a machine.
//
// Server CPU is summed over nodes, the PostgreSQL processes working for the run's database
// (its backends, WAL writer, checkpointer, background writer, autovacuum; not the backends of
// other databases on the shared cluster) and nats-server, and also reported
// per part (cpu.nodes, cpu.postgres, cpu.nats, ms per 1k). RSS: nodes' and nats-server's VmRSS
// plus PostgreSQL's PSS (its backends share the buffer pool, which VmRSS would count per
// backend). PostgreSQL counters per 1k messages: pg.commits (transactions), pg.walKB,
// pg.walSyncs (fsyncs), pg.activeMs (backends executing statements), pg.idleInTxMs (backends
// inside a transaction waiting for the node). pg_stat_* is flushed by each backend at most once
// a second, and pg_stat_wal is cluster-wide, so these are approximate over a short window.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { processRssMb } from '../proc.ts'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { candorFromDist } from './candor-dist.ts'
import { SERVER_CPU, type SystemHandle, type SystemName } from './system.ts'

/** The maintenance connection: the throwaway database is created next to this one. */
const PG_URL = process.env.CANDOR_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const NATS_URL = process.env.CANDOR_BENCH_NATS ?? 'nats://127.0.0.1:4222'

function psql(sql: string, url = PG_URL): string {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8' })
}

function pidsOf(user: string, name?: string): number[] {
  const args = name ? ['-u', user, '-x', name] : ['-u', user]
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** Every process of the PostgreSQL cluster (postmaster, auxiliaries, all backends). */
export const postgresPids = (): number[] => pidsOf('postgres')

/**
 * The PostgreSQL processes that work for `db`: its backends and the cluster's shared ones
 * (WAL writer, checkpointer, background writer, autovacuum), not other databases' backends
 * (the cluster is shared with other people's tests).
 */
export function postgresPidsFor(db: string): number[] {
  return postgresPids().filter((pid) => {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      const backend = /^postgres: \S+: \S+ (\S+) (?:\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\])/.exec(title)
      return !backend || backend[1] === db
    } catch {
      return false
    }
  })
}

const natsPids = (): number[] => pidsOf('root', 'nats-server')

/** Proportional set size (shared pages divided among the processes mapping them), MB. */
function pssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

function rssMb(pid: number): number {
  try {
    return processRssMb(pid)
  } catch {
    return 0
  }
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

function counters(db: string): Record<string, number> {
  const out = psql(
    `SELECT d.xact_commit, d.active_time, d.idle_in_transaction_time, w.wal_bytes, w.wal_sync
     FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = '${db}'`,
  )
  const [commits, active, idleInTx, wal, syncs] = out.trim().split('|').map(Number)
  return { 'pg.commits': commits ?? NaN, 'pg.activeMs': active ?? NaN, 'pg.idleInTxMs': idleInTx ?? NaN, 'pg.walKB': (wal ?? NaN) / 1024, 'pg.walSyncs': syncs ?? NaN }
}

export async function startCandorCluster(dir: string, nodes: number, placement: 'pinned' | 'spread'): Promise<SystemHandle> {
  const db = `candor_bench_${randomBytes(4).toString('hex')}`
  psql(`CREATE DATABASE ${db}`)
  const url = new URL(PG_URL)
  url.pathname = `/${db}`
  const store = url.toString()
  const children: ReturnType<typeof spawnPinned>[] = []
  const allCpus = '0-1'
  if (placement === 'pinned') setAffinity([...postgresPids(), ...natsPids()], String(SERVER_CPU))
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)))
    if (placement === 'pinned') setAffinity([...postgresPids(), ...natsPids()], allCpus)
    try {
      psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
    } catch {
      // a database left behind is harmless; its name is random (candor_bench_*)
    }
  }
  try {
    const ports: number[] = []
    // One at a time: the first node runs the migrations and creates the key file the others read.
    const keyFile = join(dir, 'server-keys.json')
    for (let i = 0; i < nodes; i++) {
      // --cpu-prof DIR (bench flag): each node writes a V8 profile when it exits.
      const prof = process.env.CANDOR_BENCH_CPU_PROF
      const serve = await candorFromDist(['serve', '--port', '0', '--data', join(dir, `node${i}`), '--key-file', keyFile, '--store', store, '--bus', NATS_URL, '--node-id', `bench-${i}`, '--log-level', 'warn'])
      const args = [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...serve.args]
      const child = spawnPinned(process.execPath, args, { cpu: placement === 'pinned' ? SERVER_CPU : -1, env: serve.env })
      children.push(child)
      const m = await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000, `candor node ${i}`)
      drainOutput(child)
      ports.push(Number(m[1]))
    }
    const name = `candor-pg${nodes}${placement === 'spread' ? '-spread' : ''}` as SystemName
    const nodePids = (): number[] => children.map((c) => c.pid!)
    return {
      name,
      pid: children[0]!.pid!,
      port: ports[0]!,
      ports,
      // New PostgreSQL backends (the nodes' pools) exist by now; list them again per window.
      serverPids: () => [...nodePids(), ...postgresPidsFor(db), ...natsPids()],
      cpuGroups: () => ({ nodes: nodePids(), postgres: postgresPidsFor(db), nats: natsPids() }),
      rssMb: () => [...nodePids(), ...natsPids()].reduce((a, p) => a + rssMb(p), 0) + postgresPidsFor(db).reduce((a, p) => a + pssMb(p), 0),
      counters: () => counters(db),
      info: { nodes: String(nodes), placement, launcher: 'dist' },
      stop,
    }
  } catch (e) {
    await stop()
    throw e
  }
}
