// One measured run: start the system on CPU 0, start the load generator on CPU 1, sample the
// server's CPU and RSS and the rest of the machine at the edges of the measured window.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import type { Job, ScenarioName, ToLoadgen, ToOrchestrator } from './loadgen.ts'
import { NoiseGate, processCpuMs, processRssMb, waitForIdle } from './proc.ts'

/** CPU ms per process now; one that has gone is left out. */
function cpuByPid(pids: readonly number[]): Map<number, number> {
  const m = new Map<number, number>()
  for (const pid of pids) {
    try {
      m.set(pid, processCpuMs(pid))
    } catch {
      // exited
    }
  }
  return m
}

/**
 * CPU used between two readings: per process, so one that exits in between (a PostgreSQL
 * backend, an autovacuum worker) does not make the sum go down, and one that started in
 * between counts in full.
 */
function cpuBetween(a: Map<number, number>, b: Map<number, number>): number {
  let t = 0
  for (const [pid, ms] of b) t += ms - (a.get(pid) ?? 0)
  return t
}

/** Summed over processes; one that has gone counts nothing. */
function sum(pids: readonly number[], f: (pid: number) => number): number {
  let t = 0
  for (const pid of pids) {
    try {
      t += f(pid)
    } catch {
      // exited
    }
  }
  return t
}
import type { LoadResult } from './scenarios/common.ts'
import { spawnPinned, stopChild } from './spawn.ts'
import { LOADGEN_CPU, type SystemHandle, type SystemName } from './systems/system.ts'

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url))
export const NOISE_LIMIT = 0.15

export interface RunOutcome {
  load: LoadResult
  serverCpuMs: number
  serverRssMb: number
  serverRssStartMb: number
  /** Share of the machine other processes used during the measured window. */
  otherCpu: number
}

/** Devices of the recovery scenario at most (50 members and a hostile one, rounded up). */
const RECOVERY_DEVICES_MAX = 64

/**
 * `httpRatePerAddress`: the server's per-address request limit for a scenario whose many devices
 * all come from the load generator's one address (127.0.0.1); systems without it ignore it.
 */
export type Starter = (dir: string, o?: { httpRatePerAddress?: number }) => Promise<SystemHandle>

export interface RunOptions {
  system: SystemName
  start: Starter
  scenario: ScenarioName
  params: Record<string, unknown>
  log: (s: string) => void
  verbose: boolean
  timeoutMs: number
  /** Longest wait for an idle machine before starting anyway. */
  idleWaitMs: number
}

function startLoadgen(): ChildProcess {
  // --cpu-prof DIR (bench flag) profiles the load generator too (it exits by process.exit, so Node writes it).
  const prof = process.env.CANDOR_BENCH_CPU_PROF
  const profArgs = prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []
  return spawnPinned(process.execPath, [...profArgs, '--conditions=candor-source', '--import', 'tsx', LOADGEN], {
    cpu: LOADGEN_CPU,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

export async function runOnce(o: RunOptions): Promise<RunOutcome> {
  await waitForIdle(NOISE_LIMIT, o.idleWaitMs, o.log)
  const dir = mkdtempSync(join(tmpdir(), `candor-bench-${o.system}-`))
  let sys: SystemHandle | undefined
  let lg: ChildProcess | undefined
  try {
    // The load generator starts (and loads its modules) while the server starts.
    const gen = startLoadgen()
    lg = gen
    // Recovery: 51 SDK clients, each a device that would have its own address, share 127.0.0.1;
    // the server's 200 requests/s per address (docs/limits.md) is given once per device.
    sys = await o.start(dir, o.scenario === 'recovery' ? { httpRatePerAddress: 200 * RECOVERY_DEVICES_MAX } : undefined)
    const server = sys
    const serverPids = (): number[] => server.serverPids?.() ?? [server.pid]
    let measured = serverPids()
    // The load generator's helper processes (the recovery scenario's devices), when it has some.
    const helpers: number[] = []
    const genPids = (): number[] => [gen.pid ?? 0, ...helpers]
    const gate = new NoiseGate(() => [...measured, ...genPids(), process.pid])
    let rss0 = NaN
    let rss1 = NaN
    let other = 0
    // Per part of the server side (where the system names them) and system counters.
    const groupCpu = (): Record<string, Map<number, number>> =>
      Object.fromEntries(Object.entries(server.cpuGroups?.() ?? {}).map(([k, pids]) => [k, cpuByPid(pids)]))
    const rss = (): number => server.rssMb?.() ?? sum(measured, processRssMb)
    let groups0: Record<string, Map<number, number>> = {}
    let groups1: Record<string, Map<number, number>> = {}
    let byPid0 = new Map<number, number>()
    let byPid1 = new Map<number, number>()
    let counters0: Record<string, number> = {}
    let counters1: Record<string, number> = {}
    // The load generator's own CPU over the window: near 100 % means it, not the server, set the pace.
    let gen0 = 0
    let genCpuPct = NaN
    let window0 = 0
    const job: Job = { system: o.system, port: server.port, ports: server.ports, info: server.info, scenario: o.scenario, params: o.params }
    const load = await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run timed out after ${o.timeoutMs} ms`)), o.timeoutMs)
      gen.on('message', (m: ToOrchestrator) => {
        switch (m.type) {
          case 'mark':
            if (m.name === 'measure-start') {
              measured = serverPids()
              gate.start()
              byPid0 = cpuByPid(measured)
              groups0 = groupCpu()
              rss0 = rss()
              counters0 = server.counters?.() ?? {}
              gen0 = sum(genPids(), processCpuMs)
              window0 = performance.now()
            } else {
              other = gate.stop()
              // Listed again: processes that started during the window count too.
              byPid1 = cpuByPid(serverPids())
              groups1 = groupCpu()
              counters1 = server.counters?.() ?? {}
              genCpuPct = ((sum(genPids(), processCpuMs) - gen0) / (performance.now() - window0)) * 100
              rss1 = rss()
            }
            gen.send({ type: 'marked' } satisfies ToLoadgen)
            break
          case 'pids':
            helpers.push(...m.pids)
            break
          case 'log':
            if (o.verbose) o.log(`    [${o.system}] ${m.text}`)
            break
          case 'result':
            clearTimeout(timer)
            resolve(m.result)
            break
          case 'error':
            clearTimeout(timer)
            reject(new Error(m.message))
            break
        }
      })
      gen.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`load generator exited (${code}) without a result`))
      })
      gen.send({ type: 'job', job } satisfies ToLoadgen)
    })
    // Per 1,000 delivered: CPU of each part (ms) and each counter's increase.
    const per1k = (load.delivered ?? 0) / 1000
    if (Number.isFinite(genCpuPct)) load.extra = { ...(load.extra ?? {}), 'loadgen.cpu%': Math.round(genCpuPct) }
    // How the system under test was started, where it says (Candor: `cli` or `direct`, systems/candor.ts).
    if (server.info.launcher) load.extra = { ...(load.extra ?? {}), launcher: server.info.launcher }
    if (per1k > 0 && (Object.keys(groups1).length || Object.keys(counters1).length)) {
      const extra = { ...(load.extra ?? {}) }
      for (const [k, v] of Object.entries(groups1)) extra[`cpu.${k}`] = Math.round((cpuBetween(groups0[k] ?? new Map(), v) / per1k) * 10) / 10
      for (const [k, v] of Object.entries(counters1)) extra[k] = Math.round(((v - (counters0[k] ?? 0)) / per1k) * 100) / 100
      load.extra = extra
    }
    return { load, serverCpuMs: cpuBetween(byPid0, byPid1), serverRssMb: rss1, serverRssStartMb: rss0, otherCpu: other }
  } finally {
    if (lg) await stopChild(lg, process.env.CANDOR_BENCH_CPU_PROF ? 30_000 : 2000)
    if (sys) await sys.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
