// A quick pass of the fuzzer over every decoder (a few hundred inputs each): a decoder throws
// nothing but CandorError, or nothing at all where it answers null. `npm run fuzz` runs the
// same targets a million times over.
import { beforeAll, describe, expect, it } from 'vitest'
import { decoderTargets } from './decoder-targets.ts'
import { fuzz, runsFor, type FuzzTarget } from './fuzz-target.ts'

let targets: FuzzTarget[]
beforeAll(async () => {
  targets = await decoderTargets()
})

describe('every decoder, fuzzed', () => {
  it('throws only CandorError (or nothing) on 300 inputs each (fewer for signature checks)', async () => {
    expect(targets.length).toBeGreaterThan(20)
    for (const t of targets) expect((await fuzz(t, runsFor(t, 300))).runs).toBe(runsFor(t, 300))
  })
})
