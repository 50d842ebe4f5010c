// Lookup size and client verification cost (issue 18) for persons with three devices, in a
// directory of N entries over E epochs: the compact form and the JSON one (docs/protocol.md §3).
// Run: node --conditions=candor-source --import tsx bench/directory/lookup-bench.ts [N] [E] [people]
import { loadavg } from 'node:os'
import { measureLookups } from './lookup-measure.ts'

const N = Number(process.argv[2] ?? 100_000)
const E = Number(process.argv[3] ?? 1000)
const P = Number(process.argv[4] ?? 40)
const l0 = loadavg()[0]
const figures = await measureLookups({ entries: N, epochs: E, people: P })
console.log(JSON.stringify({ variant: 'after', load: [l0, loadavg()[0]], ...figures }))
