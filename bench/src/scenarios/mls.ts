// Scenario "mls" (issue 18 "MLS on the client"): what an MLS operation costs a device, for
// groups of 16, 128 and 1,000 members in which every member has committed once (a full tree):
// a commit with a path, processing it, adding 100 members in one commit, a commit right after
// that add, joining from its Welcome, and encrypting/decrypting an application message — in
// this Node process (wall and CPU time per operation) and in headless Chromium (the web
// client's WebCrypto provider; wall time). The groups are built once and kept as JSON in a
// cache folder (bench/src/mls/fixture.ts). No server is involved; for scale the plan runs the
// ceiling relay in the same scenario, and the report puts its CPU per 1,000 messages beside
// these figures.
//
// Both of Candor's suites, side by side (issue 18 "Post-quantum by default"): the classic one
// at `sizes` (keys `node.128.commit.cpuMs`, as before) and the post-quantum one new
// conversations use at `pqSizes` (keys `node.pq.128.commit.cpuMs`), with the bytes of a key
// package, a commit, the GroupInfo with its tree, the add-100 commit and its Welcome for each
// (`sizes.pq.128.groupInfoBytes`, `sizes.classic.128.groupInfoBytes`, `sizes.pq.keyPackageBytes`).
// CANDOR_BENCH_MLS_PQ_SIZES=16,128,1000 overrides `pqSizes` (building the post-quantum group
// of 1,000 is slow, so the plan leaves it out).
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getSuite } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { SUITE_TAGS, buildFixture, type Fixture, type SuiteTag } from '../mls/fixture.ts'
import { OPERATIONS, timeOperations, type MessageSizes, type Timings } from '../mls/ops.ts'
import type { LoadResult, ScenarioContext } from './common.ts'

export interface MlsParams {
  /** Group sizes in the classic suite. */
  sizes: number[]
  /** Group sizes in the post-quantum suite (CANDOR_BENCH_MLS_PQ_SIZES overrides). */
  pqSizes?: number[]
  reps: number
  /** Fewer repetitions above this size (a join at 1,000 members takes seconds). */
  bigReps: number
  newcomers: number
  browser: boolean
}

/** Bump when the fixture's shape or the way it is built changes. */
const FIXTURE_VERSION = 2

export function fixtureDir(): string {
  return process.env.CANDOR_BENCH_MLS_CACHE ?? join(tmpdir(), 'candor-bench-mls')
}

/** The group of `members` in suite `tag` from the cache folder, built (and saved) when missing. */
export async function fixtureFor(tag: SuiteTag, members: number, newcomers: number, log: (s: string) => void): Promise<{ fixture: Fixture; file: string }> {
  const dir = fixtureDir()
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `group-v${FIXTURE_VERSION}-${SUITE_TAGS[tag]}-${members}-${newcomers}.json`)
  if (existsSync(file)) return { fixture: JSON.parse(readFileSync(file, 'utf8')) as Fixture, file }
  log(`building the full ${tag} group of ${members} (cached in ${dir})`)
  const fixture = await buildFixture(await getSuite(nodeCryptoProvider(), SUITE_TAGS[tag]), members, newcomers, log)
  writeFileSync(`${file}.tmp`, JSON.stringify(fixture))
  renameSync(`${file}.tmp`, file)
  log(`built ${tag} ${members} in ${fixture.buildMs} ms`)
  return { fixture, file }
}

/** CANDOR_BENCH_MLS_PQ_SIZES (e.g. `16,128,1000`), else the plan's. */
function pqSizesOf(p: MlsParams): number[] {
  const env = process.env.CANDOR_BENCH_MLS_PQ_SIZES
  if (env === undefined || env.trim() === '') return p.pqSizes ?? []
  const sizes = env.split(',').map((x) => Number(x.trim()))
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`CANDOR_BENCH_MLS_PQ_SIZES: group sizes of 2 or more, comma-separated, not ${env}`)
  return sizes
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

/** Where timings go: `node.128.commit.ms` for the classic suite, `node.pq.128.commit.ms` for the post-quantum one. */
const prefix = (where: string, tag: SuiteTag, members: number): string => (tag === 'classic' ? `${where}.${members}` : `${where}.${tag}.${members}`)

function record(extra: Record<string, number | string>, key: string, t: Timings): number {
  let ops = 0
  for (const op of OPERATIONS) {
    extra[`${key}.${op}.ms`] = r2(median(t[op].wallMs))
    const cpu = median(t[op].cpuMs)
    if (Number.isFinite(cpu)) extra[`${key}.${op}.cpuMs`] = r2(cpu)
    ops += t[op].wallMs.length
  }
  return ops
}

function recordSizes(extra: Record<string, number | string>, tag: SuiteTag, members: number, s: MessageSizes): void {
  extra[`sizes.${tag}.keyPackageBytes`] = s.keyPackageBytes
  for (const k of ['commitBytes', 'groupInfoBytes', 'add100CommitBytes', 'welcomeBytes'] as const) extra[`sizes.${tag}.${members}.${k}`] = s[k]
}

export async function mlsScenario(ctx: ScenarioContext, p: MlsParams): Promise<LoadResult> {
  const groups: { tag: SuiteTag; members: number; fixture: Fixture; file: string }[] = []
  // Built (or read) before the window: building is not what is measured.
  for (const [tag, sizes] of [['classic', p.sizes], ['pq', pqSizesOf(p)]] as const) {
    for (const n of sizes) groups.push({ tag, members: n, ...(await fixtureFor(tag, n, p.newcomers, ctx.log)) })
  }
  const extra: Record<string, number | string> = {}
  const repsAt = (n: number): number => (n > 200 ? p.bigReps : p.reps)
  let ops = 0
  await ctx.mark('measure-start')
  const t0 = performance.now()
  for (const g of groups) {
    const suite = await getSuite(nodeCryptoProvider(), SUITE_TAGS[g.tag])
    // One untimed repetition first (JIT, key caches of a fresh process).
    await timeOperations(suite, g.fixture, { reps: 1 })
    const r = await timeOperations(suite, g.fixture, { reps: repsAt(g.members), cpuMs, log: ctx.log })
    ops += record(extra, prefix('node', g.tag, g.members), r.timings)
    recordSizes(extra, g.tag, g.members, r.sizes)
  }
  if (p.browser) {
    const { timeInChromium } = await import('../mls/chromium.ts')
    const results = await timeInChromium(groups.map((g) => ({ suite: g.tag, members: g.members, file: g.file, reps: repsAt(g.members) })), ctx.log)
    if (typeof results === 'string') extra['chromium'] = results
    else for (const { group: g, timings } of results) ops += record(extra, prefix('chromium', g.suite, g.members), timings)
  }
  await ctx.mark('measure-end')
  const seconds = (performance.now() - t0) / 1000
  extra.sizes = p.sizes.join('/')
  extra.pqSizes = pqSizesOf(p).join('/')
  return { delivered: ops, sent: ops, deliveredPerSec: ops / seconds, extra }
}
