// Stand-alone: the bench's MLS operations at one group size in this process, for profiling
// (`node --cpu-prof --conditions=candor-source --import tsx bench/src/mls/mls-ops.ts --members 128`),
// with the sizes of what they send. `--suite pq` for the post-quantum suite (classic unless
// told; e.g. `--suite pq --members 1000`, which the scenario leaves out by default).
// `--fixture FILE` reuses (or, when missing, saves) the built group.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { getSuite } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { flagReader } from '../flags.ts'
import { SUITE_TAGS, buildFixture, type Fixture, type SuiteTag } from './fixture.ts'
import { OPERATIONS, timeOperations } from './ops.ts'

const flag = flagReader(process.argv)
const members = Number(flag('members', '128'))
const reps = Number(flag('reps', '3'))
const file = flag('fixture', '')
const tag = flag('suite', 'classic')
if (!(tag in SUITE_TAGS)) throw new Error(`--suite: ${Object.keys(SUITE_TAGS).join(' or ')}`)
const suite = await getSuite(nodeCryptoProvider(), SUITE_TAGS[tag as SuiteTag])
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
let f: Fixture
if (file && existsSync(file)) f = JSON.parse(readFileSync(file, 'utf8')) as Fixture
else {
  f = await buildFixture(suite, members, 100, (s) => console.error(s))
  console.error(`built ${members} in ${f.buildMs} ms`)
  if (file) writeFileSync(file, JSON.stringify(f))
}
if (process.argv.includes('--build-only')) process.exit(0)
const { timings: t, sizes } = await timeOperations(suite, f, { reps, cpuMs, log: (s) => console.error(s) })
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const op of OPERATIONS) console.log(`${op.padEnd(15)} wall ${med(t[op].wallMs).toFixed(2).padStart(9)} ms   cpu ${med(t[op].cpuMs).toFixed(2).padStart(9)} ms`)
for (const [k, v] of Object.entries(sizes)) console.log(`${k.padEnd(18)} ${String(v).padStart(9)} bytes`)
