// PostgreSQL's share of Candor's 1:1 write path, without the nodes: what one PostgreSQL can
// absorb when the nodes cost nothing. W writers (one per simulated node: a node's delivery
// service runs one append transaction at a time) each loop: append a batch of B one-recipient
// messages (330-byte payloads, 200 devices) through PostgresStore.appendMessages, then
// acknowledge them through PostgresStore.ack (the recipient's node; batched per turn). Reports
// messages/s (appended and acknowledged), PostgreSQL CPU per 1,000 messages (every postgres
// process, from /proc) and the append transaction's latency.
//
// PostgreSQL is pinned to CPU 0 for the run (restored after), this process to CPU 1, as in the
// bench (--pg-cpus 0-1 leaves PostgreSQL on both CPUs, sharing CPU 1 with this process).
// Run: npx tsx bench/src/systems/pg-write-path.ts [--seconds 8] [--writers 1,3] [--batch 1,16,64] [--pg-cpus 0]
//      [--store-module /abs/path/to/another/store-postgres/src/index.ts]  (before/after)
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { newDeviceId, newGroupId, newMessageId, type DeviceId } from '@candor/protocol'
import type { PostgresStore } from '@candor/store-postgres'
import { flagReader } from '../flags.ts'
import { processCpuMs } from '../proc.ts'
import { Samples } from '../stats.ts'
import { postgresPids, postgresPidsFor } from './candor-cluster.ts'
import { LOADGEN_CPU, SERVER_CPU } from './system.ts'

const PG_URL = process.env.CANDOR_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const flag = flagReader(process.argv.slice(2))
const seconds = Number(flag('seconds', '8'))
const writerCounts = flag('writers', '1,3').split(',').map(Number)
const batchSizes = flag('batch', '1,16,64').split(',').map(Number)
/** CPUs for PostgreSQL during the run: CPU 0 alone (as the bench pins servers), or e.g. 0-1. */
const pgCpus = flag('pg-cpus', String(SERVER_CPU))

const db = `candor_bench_${randomBytes(4).toString('hex')}`
const psql = (sql: string): string => execFileSync('psql', [PG_URL, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8' })
const pgCpuMs = (): Map<number, number> => {
  const m = new Map<number, number>()
  for (const p of postgresPidsFor(db)) {
    try {
      m.set(p, processCpuMs(p))
    } catch {
      // exited
    }
  }
  return m
}
const cpuBetween = (a: Map<number, number>, b: Map<number, number>): number => [...b].reduce((t, [p, ms]) => t + ms - (a.get(p) ?? 0), 0)
const affinity = (pids: number[], cpus: string): void => {
  for (const p of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpus, String(p)], { stdio: 'ignore' })
    } catch {
      // exited
    }
  }
}

async function one(store: PostgresStore, writers: number, batch: number): Promise<string> {
  const devices: DeviceId[] = Array.from({ length: 200 }, () => newDeviceId())
  const groups = devices.map(() => newGroupId())
  const payload = randomBytes(330)
  const lat = new Samples()
  let done = 0
  let measuring = false
  let stop = false
  const writer = async (w: number): Promise<void> => {
    let k = w
    while (!stop) {
      const msgs = Array.from({ length: batch }, () => {
        const i = k++ % devices.length
        return { messageId: newMessageId(), groupId: groups[i]!, sender: devices[i]!, kind: 0 as const, sentAt: Date.now(), payload, recipients: [devices[i ^ 1]!] }
      })
      const t0 = performance.now()
      const res = await store.appendMessages(msgs)
      if (measuring) lat.add(performance.now() - t0)
      // Acks as the recipients' connections send them: one per device, batched per turn by the store.
      await Promise.all(res.flatMap((r) => r.deliveries.map((d) => store.ack(d.deviceId, [d.seq]))))
      if (measuring) done += batch
    }
  }
  const all = Array.from({ length: writers }, (_, w) => writer(w * 7))
  await new Promise((r) => setTimeout(r, 1000))
  measuring = true
  const cpu0 = pgCpuMs()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const ms = performance.now() - t0
  const cpu = cpuBetween(cpu0, pgCpuMs())
  const n = done
  measuring = false
  stop = true
  await Promise.all(all)
  const [p50 = NaN, p99 = NaN] = lat.percentiles([50, 99])
  return [
    `writers ${writers}`,
    `batch ${String(batch).padStart(3)}`,
    `${Math.round((n / ms) * 1000).toLocaleString('en-US').padStart(7)} msg/s`,
    `postgres CPU ${((cpu / n) * 1000).toFixed(1).padStart(6)} ms/1k (${((cpu / ms) * 100).toFixed(0)}% of a core)`,
    `append p50 ${p50.toFixed(2)} ms p99 ${p99.toFixed(2)} ms`,
  ].join('  ')
}

psql(`CREATE DATABASE ${db}`)
affinity([process.pid], String(LOADGEN_CPU))
affinity(postgresPids(), pgCpus)
const url = new URL(PG_URL)
url.pathname = `/${db}`
// --store-module PATH: another build of the store (e.g. an older commit's src/index.ts) for before/after.
const mod = (await import(flag('store-module', '@candor/store-postgres'))) as typeof import('@candor/store-postgres')
const store = await mod.PostgresStore.open(url.toString())
try {
  process.stdout.write(`PostgreSQL write path alone (postgres on CPU ${pgCpus}, driver on CPU ${LOADGEN_CPU}), ${seconds} s each\n`)
  for (const w of writerCounts) for (const b of batchSizes) process.stdout.write((await one(store, w, b)) + '\n')
} finally {
  await store.close()
  affinity(postgresPids(), '0-1')
  psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
}
