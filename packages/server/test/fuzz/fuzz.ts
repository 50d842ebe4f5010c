// `npm run fuzz`: every decoder and every HTTP route's input, fuzzed with fast-check — over a
// million inputs by default — then the total count and time. A decoder that throws anything but
// CandorError (or anything at all where it answers null), or a route that answers 500, a
// refusal without a known error code, or a refusal that changed the database, stops the run
// with fast-check's report (the shrunk input and the seed to replay it). A hang shows as a
// target that never finishes: each one is printed as it starts.
//
//   npm run fuzz [-- --runs N] [--http-runs N] [--seed S] [--only TEXT]
import { parseArgs } from 'node:util'
import { decoderTargets } from './decoder-targets.ts'
import { fuzz, runsFor, type FuzzResult } from './fuzz-target.ts'
import { startHttpFuzz } from './http-bodies.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '41000' },
    'http-runs': { type: 'string', default: '500' },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
})
const runs = Number(values.runs)
const httpRuns = Number(values['http-runs'])
const seed = values.seed === undefined ? undefined : Number(values.seed)
const wanted = (name: string) => values.only === undefined || name.includes(values.only)

const results: FuzzResult[] = []
const started = performance.now()
const report = (r: FuzzResult) => {
  results.push(r)
  process.stdout.write(` ${r.runs.toLocaleString('en')} inputs, ${(r.ms / 1000).toFixed(1)} s\n`)
}

for (const t of await decoderTargets()) {
  if (!wanted(t.name)) continue
  process.stdout.write(`${t.name}:`)
  report(await fuzz(t, runsFor(t, runs), seed))
}

const h = await startHttpFuzz()
try {
  for (const route of h.routes) {
    if (!wanted(`http: ${route}`)) continue
    process.stdout.write(`http: ${route}:`)
    report(await h.fuzzRoute(route, httpRuns, seed))
  }
} finally {
  await h.close()
}

const total = results.reduce((n, r) => n + r.runs, 0)
const seconds = (performance.now() - started) / 1000
console.log(`\n${results.length} targets, ${total.toLocaleString('en')} inputs in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en')}/s): no crash, no hang`)
