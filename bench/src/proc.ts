// Linux /proc readings: a process's CPU time (utime+stime) and RSS, and whole-machine CPU
// from /proc/stat, used for server cost figures and for the noise gate.
import { readFileSync } from 'node:fs'

const CLK_TCK = 100 // USER_HZ on Linux x86-64

/** User+system CPU time of a process, in ms (children not included). */
export function processCpuMs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK
}

/** Resident set size of a process, in MB (VmRSS). */
export function processRssMb(pid: number): number {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /VmRSS:\s+(\d+) kB/.exec(s)
  return m ? Number(m[1]) / 1024 : NaN
}

export function processRssKb(pid: number): number {
  return processRssMb(pid) * 1024
}

export interface MachineCpu {
  /** Busy time over all CPUs (user+nice+system+irq+softirq+steal), ms. */
  busyMs: number
  totalMs: number
  cpus: number
}

export function machineCpu(): MachineCpu {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n')
  const f = lines[0]!.trim().split(/\s+/).slice(1).map(Number)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f
  const busy = user + nice + system + irq + softirq + steal
  const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).length
  return { busyMs: (busy * 1000) / CLK_TCK, totalMs: ((busy + idle + iowait) * 1000) / CLK_TCK, cpus }
}

/**
 * Measures how much CPU processes other than `ours` used between start() and stop(), as a
 * share of the whole machine (all cores): the noise gate of BENCH.md.
 */
export class NoiseGate {
  #m0: MachineCpu | undefined
  #ours0 = 0
  readonly #pids: () => number[]

  constructor(pids: () => number[]) {
    this.#pids = pids
  }

  #oursMs(): number {
    let t = 0
    for (const pid of this.#pids()) {
      try {
        t += processCpuMs(pid)
      } catch {
        // exited
      }
    }
    return t
  }

  start(): void {
    this.#m0 = machineCpu()
    this.#ours0 = this.#oursMs()
  }

  /** Share (0–1) of all-core time used by other processes since start(). */
  stop(): number {
    const m1 = machineCpu()
    const m0 = this.#m0 ?? m1
    const ours = this.#oursMs() - this.#ours0
    const total = m1.totalMs - m0.totalMs
    if (total <= 0) return 0
    return Math.max(0, (m1.busyMs - m0.busyMs - ours) / total)
  }
}

/** Samples the machine for `ms`; returns the busy share of processes not in `pids`. */
export async function otherLoad(ms: number, pids: number[] = [process.pid]): Promise<number> {
  const g = new NoiseGate(() => pids)
  g.start()
  await new Promise((r) => setTimeout(r, ms))
  return g.stop()
}

/** Waits (up to maxMs) until other processes use less than `threshold` of the machine. */
export async function waitForIdle(threshold: number, maxMs: number, log: (s: string) => void): Promise<number> {
  if (maxMs <= 0) return NaN
  const t0 = Date.now()
  let load = await otherLoad(500)
  while (load >= threshold && Date.now() - t0 < maxMs) {
    log(`  waiting for an idle box (others use ${(load * 100).toFixed(0)}% CPU)`)
    load = await otherLoad(1000)
  }
  return load
}
