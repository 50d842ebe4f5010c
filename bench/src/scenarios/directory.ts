// Scenario "directory" (issue 18 "The key directory"): the key directory's publish path —
// `KeyDirectory.update()` for `updates` new labels, then `publishEpoch()` (in-memory storage) —
// and the ECVRF per-operation costs, in this process (the server's HTTP path is not involved).
// Then the client's lookup (bytes for a person with three devices, compact and JSON; CPU ms to
// verify a first lookup: lookup-measure.ts) and a node catching up on an epoch of 1,000 changes
// against rebuilding (catch-up-measure.ts).
// Two variants alternate in the same run: the portable VRF (@noble/curves only, what browsers
// run) and the server's (x·H on OpenSSL X25519, `x25519Multiplier`), so their ratio compares.
import { KeyDirectory, vrfSecretKey, vrfVerify, type FixedKeyMultiplierFactory } from '@candor/transparency'
import { x25519Multiplier } from '@candor/transparency/node'
import type { LoadResult, ScenarioContext } from './common.ts'
import { measureCatchUp } from '../../directory/catch-up-measure.ts'
import { measureLookups } from '../../directory/lookup-measure.ts'

export interface DirectoryParams {
  updates: number
  rounds: number
  /** Lookup figures: a directory of this many entries over `lookupEpochs` epochs, `people` persons with three devices. */
  lookupEntries?: number
  lookupEpochs?: number
  people?: number
  /** Catch-up figures: a directory of this many entries, then epochs of 1,000 changes. */
  catchUpEntries?: number
}

const VARIANTS: [string, FixedKeyMultiplierFactory | undefined][] = [
  ['noble', undefined],
  ['x25519', x25519Multiplier],
]

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function msPerOp(n: number, fn: (i: number) => void): number {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn(i)
  return (performance.now() - t0) / n
}

const round = (x: number): number => Math.round(x * 1000) / 1000

export async function directoryScenario(ctx: ScenarioContext, p: DirectoryParams): Promise<LoadResult> {
  const enc = new TextEncoder()
  const ops = Math.min(p.updates, 300)
  const alphas = Array.from({ length: ops }, (_, i) => enc.encode(`user-${i}@bench.test#1`))
  const portable = vrfSecretKey(new Uint8Array(32).fill(7))
  const proofs = alphas.map((a) => portable.prove(a))
  const figures = new Map(VARIANTS.map(([name]) => [name, { prove: [] as number[], hash: [] as number[], verify: [] as number[], publish: [] as number[] }]))
  // Warm-up (JIT), outside the window.
  for (const [, fast] of VARIANTS) {
    const key = vrfSecretKey(new Uint8Array(32).fill(7), fast)
    for (let i = 0; i < Math.min(ops, 30); i++) key.hash(alphas[i]!)
  }
  await ctx.mark('measure-start')
  const t0 = performance.now()
  for (let r = 0; r < p.rounds; r++) {
    for (const [name, fast] of VARIANTS) {
      const f = figures.get(name)!
      const key = vrfSecretKey(new Uint8Array(32).fill(7), fast)
      f.prove.push(msPerOp(ops, (i) => {
        const pi = key.prove(alphas[i]!)
        if (pi.some((b, j) => b !== proofs[i]![j])) throw new Error(`${name}: proof differs from the portable path`)
      }))
      f.hash.push(msPerOp(ops, (i) => key.hash(alphas[i]!)))
      f.verify.push(msPerOp(ops, (i) => {
        if (vrfVerify(key.publicKey, alphas[i]!, proofs[i]!) === null) throw new Error('proof does not verify')
      }))
      const dir = await KeyDirectory.open({
        origin: 'bench.test/directory',
        signingKey: new Uint8Array(32).fill(1),
        vrfKey: new Uint8Array(32).fill(2),
        ...(fast ? { vrfMultiplier: fast } : {}),
      })
      const value = new Uint8Array(64).fill(r)
      const tp = performance.now()
      for (let i = 0; i < p.updates; i++) dir.update(`user-${i}@bench.test`, value)
      await dir.publishEpoch()
      f.publish.push(p.updates / ((performance.now() - tp) / 1000))
      ctx.log(`round ${r + 1}/${p.rounds} ${name}: ${Math.round(f.publish.at(-1)!)} updates/s`)
    }
  }
  await ctx.mark('measure-end')
  const seconds = (performance.now() - t0) / 1000
  const extra: Record<string, number> = { updates: p.updates, rounds: p.rounds }
  for (const [name, f] of figures) {
    extra[`${name}ProveMs`] = round(median(f.prove))
    extra[`${name}HashMs`] = round(median(f.hash))
    extra[`${name}VerifyMs`] = round(median(f.verify))
    extra[`${name}UpdatesPerSec`] = Math.round(median(f.publish))
  }
  extra.publishRatio = round(extra.x25519UpdatesPerSec! / extra.nobleUpdatesPerSec!)
  // The client's side (issue 18: a lookup ≤ 2 KB, its verification ≤ 5 ms) and a node catching up.
  const lookups = await measureLookups({ entries: p.lookupEntries ?? 10_000, epochs: p.lookupEpochs ?? 200, people: p.people ?? 20 })
  ctx.log(`lookups: ${JSON.stringify(lookups)}`)
  Object.assign(extra, {
    lookupEntries: lookups.entries,
    lookupEpochs: lookups.epochs,
    lookupBytes: lookups.lookupBytes,
    lookupBytesJson: lookups.lookupBytesJson,
    verifyFirstMs: lookups.verifyFirstMs,
    verifyFirstMsJson: lookups.verifyFirstMsJson,
    verifyCpuMs: lookups.verifyLookupMsJson,
    verifyCheckpointMs: lookups.checkpointMs,
    verifyEnrolmentsMs: lookups.enrolmentsMs,
  })
  const catchUp = await measureCatchUp({ entries: p.catchUpEntries ?? 20_000, rounds: 3 })
  ctx.log(`catch-up: ${JSON.stringify(catchUp)}`)
  Object.assign(extra, { catchUpEntries: catchUp.entries, catchUpMsPer1kChanges: catchUp.catchUpMsPer1kChanges, rebuildMs: catchUp.rebuildMs })
  const total = p.updates * p.rounds * VARIANTS.length
  return { delivered: total, sent: total, deliveredPerSec: extra.x25519UpdatesPerSec ?? total / seconds, extra }
}
