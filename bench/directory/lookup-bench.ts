// Lookup size and client verification cost (issue 18): today's JSON lookup (docs/protocol.md §3)
// for persons with three devices, in a directory of N entries over E epochs.
// Run: node --conditions=candor-source --import tsx bench/directory/lookup-bench.ts [N] [E] [people]
import { loadavg } from 'node:os'
import { measureLookups } from './lookup-measure.ts'

const N = Number(process.argv[2] ?? 100_000)
const E = Number(process.argv[3] ?? 1000)
const P = Number(process.argv[4] ?? 40)
console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; entries ${N}, epochs ${E}, people ${P}`)
console.log(JSON.stringify(await measureLookups({ entries: N, epochs: E, people: P }), null, 1))
console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
