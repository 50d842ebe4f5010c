// The benchmark program (`npm run bench`, bin/candor-bench.js): starts each system, drives it
// from a separate pinned load generator, and prints a table (and with --json, one JSON object
// as the last line). See bench/README.md.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ScenarioName } from './loadgen.ts'
import { defaultSizes, plan, type PlannedScenario } from './plan.ts'
import { NOISE_LIMIT, runOnce, type RunOutcome, type Starter } from './run.ts'
import { buildOnce } from './build.ts'
import { median, range, round } from './stats.ts'
import type { SystemName } from './systems/system.ts'

/** Systems that need services beyond this repository (PostgreSQL, NATS): run when named. */
const OPT_IN = new Set<SystemName>(['candor-pg1', 'candor-pg3', 'candor-pg3-spread'])

export interface Row {
  scenario: ScenarioName
  system: SystemName
  deliveredPerSec: number | null
  p50Ms: number | null
  p99Ms: number | null
  p999Ms: number | null
  serverRssMb: number | null
  serverCpuMsPer1k: number | null
  runs: number
  deliveredPerSecRange?: [number, number]
  p99MsRange?: [number, number]
  otherCpuPct?: number
  noisy?: boolean
  extra?: Record<string, number | string>
  error?: string
}

interface Args {
  quick: boolean
  json: boolean
  runs: number
  verbose: boolean
  scenarios: Set<string> | null
  systems: Set<string> | null
  sizes: ReturnType<typeof defaultSizes>
  idleWaitMs: number
  retries: number
}

function parseArgs(argv: string[]): Args {
  const has = (f: string) => argv.includes(f)
  const val = (f: string): string | undefined => {
    const i = argv.indexOf(f)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const quick = has('--quick')
  const sizes = defaultSizes(quick)
  const num = (f: string, d: number) => (val(f) !== undefined ? Number(val(f)) : d)
  sizes.payloadBytes = num('--payload', sizes.payloadBytes)
  sizes.measureMs = num('--measure-ms', sizes.measureMs)
  sizes.warmupMs = num('--warmup-ms', sizes.warmupMs)
  sizes.rate = num('--rate', sizes.rate)
  sizes.connections = num('--connections', sizes.connections)
  sizes.drainMessages = num('--drain', sizes.drainMessages)
  sizes.recoveryChatMs = num('--recovery-chat-ms', sizes.recoveryChatMs)
  sizes.recoveryProcs = num('--recovery-procs', sizes.recoveryProcs)
  const list = (f: string) => (val(f) ? new Set(val(f)!.split(',')) : null)
  return {
    quick,
    json: has('--json'),
    runs: num('--runs', quick ? 1 : 3),
    verbose: has('--verbose') || has('-v'),
    scenarios: list('--scenarios'),
    systems: list('--systems'),
    sizes,
    idleWaitMs: num('--idle-wait-ms', quick ? 0 : 30_000),
    retries: num('--retries', quick ? 0 : 2),
  }
}

const HELP = `npm run bench -- [--quick] [--json] [--runs N] [--scenarios a,b] [--systems candor,ceiling,prosody,candor-pg1,candor-pg3,candor-pg3-spread]
                [--payload BYTES] [--measure-ms MS] [--warmup-ms MS] [--rate MSG_PER_S] [--connections N] [--drain N] [--recovery-chat-ms MS (0: no chat)] [--recovery-procs N (default: the machine's cores)] [--idle-wait-ms MS] [--retries N] [--cpu-prof DIR] [--verbose]
scenarios: 1to1-saturation 1to1-fixed-rate group-fanout offline-drain connection-storm recovery attachments search directory mls`

async function starter(system: SystemName): Promise<Starter> {
  switch (system) {
    case 'ceiling': {
      const { startCeiling } = await import('./systems/ceiling.ts')
      // Built here, before any run: the relay runs as plain JavaScript (build.ts).
      await buildOnce()
      return (dir) => startCeiling(dir)
    }
    case 'prosody': {
      const { ensureProsody, startProsody } = await import('./systems/prosody.ts')
      await ensureProsody()
      return (dir) => startProsody(dir)
    }
    case 'candor': {
      const { startCandor } = await import('./systems/candor.ts')
      // Built here, before any run: the server runs from the built packages (candor-dist.ts).
      await buildOnce()
      return (dir, o) => startCandor(dir, o)
    }
    case 'candor-pg1':
    case 'candor-pg3':
    case 'candor-pg3-spread': {
      const { startCandorCluster } = await import('./systems/candor-cluster.ts')
      await buildOnce()
      const nodes = system === 'candor-pg1' ? 1 : 3
      return (dir) => startCandorCluster(dir, nodes, system === 'candor-pg3-spread' ? 'spread' : 'pinned')
    }
  }
}

/** Clean runs when there are any (a noisy run is only kept when every attempt was noisy). */
function usable(outs: RunOutcome[]): RunOutcome[] {
  const clean = outs.filter((o) => !(o.otherCpu >= NOISE_LIMIT))
  return clean.length ? clean : outs
}

function toRow(p: PlannedScenario, system: SystemName, all: RunOutcome[], noisy: boolean): Row {
  const outs = usable(all)
  noisy = noisy && outs.some((o) => o.otherCpu >= NOISE_LIMIT)
  const per1k = (o: RunOutcome): number => {
    const n = p.unit === 'connection' ? Number(o.load.extra?.connections ?? 0) : (o.load.delivered ?? 0)
    return n > 0 ? o.serverCpuMs / (n / 1000) : NaN
  }
  const m = (f: (o: RunOutcome) => number | undefined): number | null => {
    const v = median(outs.map((o) => f(o) ?? NaN))
    return Number.isFinite(v) ? round(v, 2) : null
  }
  const extra: Record<string, number | string> = {}
  const keys = new Set(outs.flatMap((o) => Object.keys(o.load.extra ?? {})))
  for (const k of keys) {
    const vals = outs.map((o) => o.load.extra?.[k])
    extra[k] = typeof vals[0] === 'number' ? round(median(vals as number[]), 1) : String(vals[0])
  }
  if (p.unit === 'MiB') {
    // Per MiB moved, not per 1,000 (the serverCpuMsPer1k column would be per 1,000 MiB).
    extra.serverCpuMsPerMiB = round(median(outs.map((o) => o.serverCpuMs / (o.load.delivered ?? NaN))), 1)
  }
  if (p.scenario === 'connection-storm') {
    const perConn = outs.map((o) => ((o.serverRssMb - o.serverRssStartMb) * 1024) / Number(o.load.extra?.connections ?? NaN))
    extra.rssPerIdleConnKb = round(median(perConn), 1)
  }
  const refused = outs.reduce((a, o) => a + (o.load.refused ?? 0), 0)
  if (refused) extra.refused = refused
  const row: Row = {
    scenario: p.scenario,
    system,
    deliveredPerSec: m((o) => o.load.deliveredPerSec),
    p50Ms: m((o) => o.load.p50Ms),
    p99Ms: m((o) => o.load.p99Ms),
    p999Ms: m((o) => o.load.p999Ms),
    serverRssMb: m((o) => o.serverRssMb),
    serverCpuMsPer1k: m(per1k),
    runs: outs.length,
    otherCpuPct: round(median(outs.map((o) => o.otherCpu * 100)), 1),
  }
  if (outs.length > 1) {
    row.deliveredPerSecRange = range(outs.map((o) => round(o.load.deliveredPerSec ?? NaN, 0)))
    const p99s = range(outs.map((o) => round(o.load.p99Ms ?? NaN, 2)))
    if (Number.isFinite(p99s[0])) row.p99MsRange = p99s
  }
  if (noisy) row.noisy = true
  if (Object.keys(extra).length) row.extra = extra
  return row
}

function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits)
}

function table(rows: Row[]): string {
  const head = ['scenario', 'system', 'delivered/s', '(range)', 'p50 ms', 'p99 ms', 'p999 ms', 'CPU ms/1k', 'RSS MB', 'others %', 'notes']
  const body = rows.map((r) => [
    r.scenario,
    r.system,
    fmt(r.deliveredPerSec, 0),
    r.deliveredPerSecRange ? `${fmt(r.deliveredPerSecRange[0], 0)}–${fmt(r.deliveredPerSecRange[1], 0)}` : '',
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.p999Ms, 2),
    fmt(r.serverCpuMsPer1k, 2),
    fmt(r.serverRssMb, 1),
    fmt(r.otherCpuPct, 1),
    [r.error ? `ERROR: ${r.error}` : '', r.noisy ? 'NOISY' : '', ...Object.entries(r.extra ?? {}).map(([k, v]) => `${k}=${v}`)]
      .filter(Boolean)
      .join(' '),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

function ratios(rows: Row[], perRun: Map<string, RunOutcome[]>): string[] {
  const out: string[] = []
  for (const sc of new Set(rows.map((r) => r.scenario))) {
    if (sc === 'mls') {
      out.push(...mlsScale(rows))
      continue
    }
    const c0 = perRun.get(`${sc}/candor`)
    if (!c0?.length) continue
    for (const other of ['ceiling', 'prosody'] as const) {
      const o0 = perRun.get(`${sc}/${other}`)
      if (!o0?.length) continue
      // Ratios within one repetition (systems run back to back), then the median of those.
      // Repetitions in which both runs were clean, if any.
      const both = Array.from({ length: Math.min(c0.length, o0.length) }, (_, i) => i).filter(
        (i) => c0[i]!.otherCpu < NOISE_LIMIT && o0[i]!.otherCpu < NOISE_LIMIT,
      )
      const idx = both.length ? both : Array.from({ length: Math.min(c0.length, o0.length) }, (_, i) => i)
      const c = idx.map((i) => c0[i]!)
      const o = idx.map((i) => o0[i]!)
      const n = c.length
      const thr = median(Array.from({ length: n }, (_, i) => (c[i]!.load.deliveredPerSec ?? NaN) / (o[i]!.load.deliveredPerSec ?? NaN)))
      const cpu = median(
        Array.from({ length: n }, (_, i) => c[i]!.serverCpuMs / (c[i]!.load.delivered || NaN) / (o[i]!.serverCpuMs / (o[i]!.load.delivered || NaN))),
      )
      const p99 = median(Array.from({ length: n }, (_, i) => (c[i]!.load.p99Ms ?? NaN) / (o[i]!.load.p99Ms ?? NaN)))
      if (sc === 'connection-storm') {
        const t = median(Array.from({ length: n }, (_, i) => Number(c[i]!.load.extra?.allAuthenticatedMs) / Number(o[i]!.load.extra?.allAuthenticatedMs)))
        out.push(`${sc}: candor/${other} time to all-authenticated ×${fmt(t, 2)}`)
        continue
      }
      out.push(`${sc}: candor/${other} throughput ×${fmt(thr, 2)}, server CPU per msg ×${fmt(cpu, 2)}, p99 ×${fmt(p99, 2)}`)
    }
  }
  return out
}

/**
 * MLS operations have no same-run peer: beside them, the ceiling relay's server CPU per 1,000
 * messages from the same scenario (a short 1:1 saturation), as messages the ceiling could
 * store and forward in the CPU time of one operation. Also written into the candor row.
 */
function mlsScale(rows: Row[]): string[] {
  const c = rows.find((r) => r.scenario === 'mls' && r.system === 'candor')
  const ceiling = rows.find((r) => r.scenario === 'mls' && r.system === 'ceiling')?.serverCpuMsPer1k
  if (!c?.extra) return []
  const x = c.extra
  const out: string[] = []
  if (ceiling) x.ceilingCpuMsPer1k = ceiling
  // The classic suite at `sizes`, the post-quantum one (X-Wing, new conversations' suite) at `pqSizes`.
  for (const [suite, list] of [['', x.sizes], ['pq.', x.pqSizes]] as const) {
    for (const where of ['node', 'chromium']) {
      const sizes = String(list ?? '').split('/').filter(Boolean)
      for (const n of sizes) {
        const f = (op: string) => Number(x[`${where}.${suite}${n}.${op}.ms`])
        if (!Number.isFinite(f('commit'))) continue
        const cpu = Number(x[`${where}.${suite}${n}.commit.cpuMs`])
        const scale = ceiling && Number.isFinite(cpu) ? ` (commit CPU = the ceiling's server CPU for ${fmt((cpu / ceiling) * 1000, 0)} messages)` : ''
        const bytes = (k: string) => Number(x[`sizes.${suite === '' ? 'classic' : 'pq'}.${n}.${k}`])
        const sized = where === 'node' && Number.isFinite(bytes('commitBytes')) ? `; bytes: commit ${fmt(bytes('commitBytes'), 0)}, GroupInfo+tree ${fmt(bytes('groupInfoBytes'), 0)}, add-100 commit ${fmt(bytes('add100CommitBytes'), 0)}, Welcome ${fmt(bytes('welcomeBytes'), 0)}` : ''
        out.push(
          `mls ${suite === '' ? '' : 'post-quantum '}${where} ${n} members, ms: commit ${fmt(f('commit'), 1)}, process ${fmt(f('process'), 1)}, add 100 ${fmt(f('add100'), 0)}, commit after add ${fmt(f('commitAfterAdd'), 1)}, join ${fmt(f('join'), 0)}, encrypt ${fmt(f('encrypt'), 2)}, decrypt ${fmt(f('decrypt'), 2)}${scale}${sized}`,
        )
      }
    }
  }
  if (ceiling) out.push(`mls: the ceiling relay's server CPU in the same scenario: ${fmt(ceiling, 2)} ms per 1,000 messages`)
  return out
}

export async function runBench(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  const a = parseArgs(argv)
  const prof = argv.indexOf('--cpu-prof')
  if (prof >= 0 && argv[prof + 1]) process.env.CANDOR_BENCH_CPU_PROF = resolve(argv[prof + 1]!)
  const log = (s: string) => process.stderr.write(s + '\n')
  const t0 = Date.now()
  const rows: Row[] = []
  const perRun = new Map<string, RunOutcome[]>()
  const starters = new Map<SystemName, Starter | Error>()
  log(`candor-bench${a.quick ? ' --quick' : ''}: ${a.runs} run(s) per figure, payload ${a.sizes.payloadBytes} B, server on CPU 0, load generator on CPU 1`)

  for (const p of plan(a.sizes)) {
    if (a.scenarios && !a.scenarios.has(p.scenario)) continue
    const systems = p.systems.filter((s) => (a.systems ? a.systems.has(s) : !OPT_IN.has(s)))
    const outs = new Map<SystemName, RunOutcome[]>(systems.map((s) => [s, []]))
    const errors = new Map<SystemName, string>()
    const noisy = new Set<SystemName>()
    for (let rep = 0; rep < a.runs; rep++) {
      for (const system of systems) {
        if (errors.has(system)) continue
        let st = starters.get(system)
        if (!st) {
          try {
            st = await starter(system)
          } catch (e) {
            st = e instanceof Error ? e : new Error(String(e))
          }
          starters.set(system, st)
        }
        if (st instanceof Error) {
          errors.set(system, st.message)
          continue
        }
        // Rerun a run in which other processes used ≥ 15% of the machine (at most twice).
        for (let attempt = 0; attempt < 3; attempt++) {
          log(`${p.scenario} / ${system}: run ${rep + 1}/${a.runs}${attempt ? ` (retry ${attempt}, noisy)` : ''}`)
          try {
            const o = await runOnce({ system, start: st, scenario: p.scenario, params: p.params, log, verbose: a.verbose, timeoutMs: p.scenario === 'recovery' || p.scenario === 'mls' ? 3_600_000 : 600_000, idleWaitMs: a.idleWaitMs })
            log(
              `  ${fmt(o.load.deliveredPerSec ?? NaN, 0)}/s p99 ${fmt(o.load.p99Ms ?? NaN, 2)} ms, server CPU ${fmt(o.serverCpuMs, 0)} ms, others ${(o.otherCpu * 100).toFixed(1)}%` +
                (o.load.extra ? ` ${JSON.stringify(o.load.extra)}` : ''),
            )
            const retries = a.retries
            if (o.otherCpu >= NOISE_LIMIT && attempt < retries) continue
            if (o.otherCpu >= NOISE_LIMIT) noisy.add(system)
            outs.get(system)!.push(o)
            break
          } catch (e) {
            const msg = e instanceof Error ? e.message : String(e)
            log(`  failed: ${msg}`)
            errors.set(system, msg.split('\n')[0]!.slice(0, 300))
            break
          }
        }
      }
    }
    for (const system of systems) {
      const o = outs.get(system)!
      perRun.set(`${p.scenario}/${system}`, o)
      if (o.length) rows.push(toRow(p, system, o, noisy.has(system)))
      else
        rows.push({
          scenario: p.scenario,
          system,
          deliveredPerSec: null,
          p50Ms: null,
          p99Ms: null,
          p999Ms: null,
          serverRssMb: null,
          serverCpuMsPer1k: null,
          runs: 0,
          error: errors.get(system) ?? 'no run',
        })
    }
  }

  const out: string[] = ['', table(rows), '']
  const r = ratios(rows, perRun)
  if (r.length) out.push('Ratios (median of per-repetition ratios):', ...r.map((s) => `  ${s}`), '')
  out.push(`CPU ms/1k: server CPU (utime+stime) per 1,000 messages (fan-out: per 1,000 deliveries; storm: per 1,000 connections).`)
  out.push(`others %: CPU share of the 2-core machine used by other processes during the window (runs ≥ ${NOISE_LIMIT * 100}% are rerun).`)
  out.push(`Total time ${((Date.now() - t0) / 1000).toFixed(0)} s.`)
  process.stdout.write(out.join('\n') + '\n')
  if (a.json) process.stdout.write(JSON.stringify({ scenarios: rows }) + '\n')
  return rows.some((r) => r.error) ? 1 : 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBench(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
      process.exit(2)
    },
  )
}
