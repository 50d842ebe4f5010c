// One measured run: start the system on CPU 0, start the load generator on CPU 1, sample the
// server's CPU and RSS and the rest of the machine at the edges of the measured window.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import type { Job, ScenarioName, ToLoadgen, ToOrchestrator } from './loadgen.ts'
import { NoiseGate, processCpuMs, processRssMb, waitForIdle } from './proc.ts'

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

export type Starter = (dir: string) => Promise<SystemHandle>

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
  return spawnPinned(process.execPath, ['--import', 'tsx', LOADGEN], {
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
    sys = await o.start(dir)
    const server = sys
    const serverPids = (): number[] => server.serverPids?.() ?? [server.pid]
    let measured = serverPids()
    const gate = new NoiseGate(() => [...measured, gen.pid ?? 0, process.pid])
    let cpu0 = NaN
    let cpu1 = NaN
    let rss0 = NaN
    let rss1 = NaN
    let other = 0
    const job: Job = { system: o.system, port: server.port, ports: server.ports, info: server.info, scenario: o.scenario, params: o.params }
    const load = await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run timed out after ${o.timeoutMs} ms`)), o.timeoutMs)
      gen.on('message', (m: ToOrchestrator) => {
        switch (m.type) {
          case 'mark':
            if (m.name === 'measure-start') {
              measured = serverPids()
              gate.start()
              cpu0 = sum(measured, processCpuMs)
              rss0 = sum(measured, processRssMb)
            } else {
              other = gate.stop()
              cpu1 = sum(measured, processCpuMs)
              rss1 = sum(measured, processRssMb)
            }
            gen.send({ type: 'marked' } satisfies ToLoadgen)
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
    return { load, serverCpuMs: cpu1 - cpu0, serverRssMb: rss1, serverRssStartMb: rss0, otherCpu: other }
  } finally {
    if (lg) await stopChild(lg, 2000)
    if (sys) await sys.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
