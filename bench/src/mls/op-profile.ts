// Stand-alone: a CPU profile of one MLS operation, repeated, on a cached fixture (for finding
// where an operation spends its time; see bench/README.md scenario 9).
// `node --conditions=candor-source --import tsx bench/src/mls/op-profile.ts --fixture FILE --op process --reps 20 --out FILE.cpuprofile`
import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { commitChanges, joinFromWelcome, processIncoming, decodeKeyPackage, getSuite } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { fromBase64Url } from '@candor/protocol'
import { flagReader } from '../flags.ts'
import { benchConfig, loadFixture, type Fixture } from './fixture.ts'

const flag = flagReader(process.argv)
const f = JSON.parse(readFileSync(flag('fixture', ''), 'utf8')) as Fixture
const op = flag('op', 'process')
const reps = Number(flag('reps', '10'))
const suite = await getSuite(nodeCryptoProvider(), f.suite)
const fx = loadFixture(f)
const n = f.members
const newcomers = f.newcomers.map((k) => decodeKeyPackage(fromBase64Url(k.publicPackage)!))
const a = 0
const b = Math.floor(n / 2)
const c = await commitChanges(suite, fx.member(a), [], [])
const added = op === 'join' || op === 'commitAfterAdd' ? await commitChanges(suite, fx.member(a), newcomers, []) : undefined
const run = async (): Promise<unknown> => {
  switch (op) {
    case 'commit': return commitChanges(suite, fx.member(a), [], [])
    case 'process': return processIncoming(suite, fx.member(b), c.commit)
    case 'add100': return commitChanges(suite, fx.member(a), newcomers, [])
    case 'commitAfterAdd': return commitChanges(suite, added!.state, [], [])
    case 'join': return joinFromWelcome(suite, benchConfig, added!.welcome!, async (ref) => f.newcomers.find((k) => k.ref === ref), { maxLeaves: n + newcomers.length })
    default: throw new Error(`no operation ${op}`)
  }
}
await run()
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 100 })
await session.post('Profiler.start')
const u0 = process.cpuUsage()
for (let i = 0; i < reps; i++) await run()
const u = process.cpuUsage(u0)
const { profile } = await session.post('Profiler.stop')
writeFileSync(flag('out', `/tmp/${op}.cpuprofile`), JSON.stringify(profile))
console.log(`${op} at ${n}: ${((u.user + u.system) / 1000 / reps).toFixed(2)} ms CPU per operation (${reps} reps, profiled)`)
