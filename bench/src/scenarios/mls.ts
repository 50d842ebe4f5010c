// Scenario "mls" (issue 18 "MLS on the client"): what an MLS operation costs a device, for
// groups of 16, 128 and 1,000 members in which every member has committed once (a full tree):
// a commit with a path, processing it, adding 100 members in one commit, a commit right after
// that add, joining from its Welcome, and encrypting/decrypting an application message — in
// this Node process (wall and CPU time per operation) and in headless Chromium (the web
// client's WebCrypto provider; wall time). The groups are built once and kept as JSON in a
// cache folder (bench/src/mls/fixture.ts). No server is involved; for scale the plan runs the
// ceiling relay in the same scenario, and the report puts its CPU per 1,000 messages beside
// these figures.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getSuite } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { buildFixture, type Fixture } from '../mls/fixture.ts'
import { OPERATIONS, timeOperations, type Timings } from '../mls/ops.ts'
import type { LoadResult, ScenarioContext } from './common.ts'

export interface MlsParams {
  sizes: number[]
  reps: number
  /** Fewer repetitions above this size (a join at 1,000 members takes seconds). */
  bigReps: number
  newcomers: number
  browser: boolean
}

/** Bump when the fixture's shape or the way it is built changes. */
const FIXTURE_VERSION = 1

export function fixtureDir(): string {
  return process.env.CANDOR_BENCH_MLS_CACHE ?? join(tmpdir(), 'candor-bench-mls')
}

/** The group of `members` from the cache folder, built (and saved) when missing. */
export async function fixtureFor(members: number, newcomers: number, log: (s: string) => void): Promise<{ fixture: Fixture; file: string }> {
  const dir = fixtureDir()
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `group-v${FIXTURE_VERSION}-${members}-${newcomers}.json`)
  if (existsSync(file)) return { fixture: JSON.parse(readFileSync(file, 'utf8')) as Fixture, file }
  log(`building the full group of ${members} (cached in ${dir})`)
  const fixture = await buildFixture(await getSuite(nodeCryptoProvider()), members, newcomers, log)
  writeFileSync(`${file}.tmp`, JSON.stringify(fixture))
  renameSync(`${file}.tmp`, file)
  log(`built ${members} in ${fixture.buildMs} ms`)
  return { fixture, file }
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  return s.length ? s[Math.floor(s.length / 2)]! : NaN
}
const r2 = (x: number): number => Math.round(x * 100) / 100

const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function record(extra: Record<string, number | string>, where: string, members: number, t: Timings): number {
  let ops = 0
  for (const op of OPERATIONS) {
    extra[`${where}.${members}.${op}.ms`] = r2(median(t[op].wallMs))
    const cpu = median(t[op].cpuMs)
    if (Number.isFinite(cpu)) extra[`${where}.${members}.${op}.cpuMs`] = r2(cpu)
    ops += t[op].wallMs.length
  }
  return ops
}

export async function mlsScenario(ctx: ScenarioContext, p: MlsParams): Promise<LoadResult> {
  const suite = await getSuite(nodeCryptoProvider())
  const fixtures = new Map<number, { fixture: Fixture; file: string }>()
  // Built (or read) before the window: building is not what is measured.
  for (const n of p.sizes) fixtures.set(n, await fixtureFor(n, p.newcomers, ctx.log))
  const extra: Record<string, number | string> = {}
  let ops = 0
  await ctx.mark('measure-start')
  const t0 = performance.now()
  for (const n of p.sizes) {
    const reps = n > 200 ? p.bigReps : p.reps
    // One untimed repetition first (JIT, key caches of a fresh process).
    await timeOperations(suite, fixtures.get(n)!.fixture, { reps: 1 })
    const t = await timeOperations(suite, fixtures.get(n)!.fixture, { reps, cpuMs, log: ctx.log })
    ops += record(extra, 'node', n, t)
  }
  if (p.browser) {
    const { timeInChromium } = await import('../mls/chromium.ts')
    const results = await timeInChromium([...fixtures].map(([n, f]) => ({ members: n, file: f.file, reps: n > 200 ? p.bigReps : p.reps })), ctx.log)
    if (typeof results === 'string') extra['chromium'] = results
    else for (const [n, t] of results) ops += record(extra, 'chromium', n, t)
  }
  await ctx.mark('measure-end')
  const seconds = (performance.now() - t0) / 1000
  extra.sizes = p.sizes.join('/')
  return { delivered: ops, sent: ops, deliveredPerSec: ops / seconds, extra }
}
