// One decoder under fuzzing and its contract: `never-throws` decoders answer bad input with null
// (or false); `candor-error` decoders may refuse it, but only with the project's own CandorError
// (the field parsers' errors are CandorErrors too) — a TypeError, RangeError or anything else is
// a bug. A decoder that never returns is a hang: the program names the target it is on.
import fc from 'fast-check'
import { CandorError } from '@candor/protocol'

export interface FuzzTarget<T = unknown> {
  name: string
  contract: 'never-throws' | 'candor-error'
  input: fc.Arbitrary<T>
  run: (input: T) => unknown
  /** The share of the run count this target gets: below 1 for slow ones (signature checks). */
  share: number
}

export function target<T>(name: string, contract: FuzzTarget['contract'], input: fc.Arbitrary<T>, run: (input: T) => unknown, share = 1): FuzzTarget {
  return { name, contract, input, run: run as (input: unknown) => unknown, share }
}

/** The inputs a target gets out of a run count (at least 10). */
export function runsFor(t: FuzzTarget, runs: number): number {
  return Math.max(10, Math.round(runs * t.share))
}

/** Why the decoder broke its contract on this input, or null (an async decoder is awaited). */
export async function violation(t: FuzzTarget, input: unknown): Promise<string | null> {
  try {
    const out = t.run(input)
    if (out instanceof Promise) await out
    return null
  } catch (e) {
    if (t.contract === 'candor-error' && e instanceof CandorError) return null
    return `${t.name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`
  }
}

export interface FuzzResult {
  name: string
  runs: number
  ms: number
}

/** Runs `numRuns` inputs through the target; throws fast-check's report (with the shrunk input) on a violation. */
export async function fuzz(t: FuzzTarget, numRuns: number, seed?: number): Promise<FuzzResult> {
  const start = performance.now()
  await fc.assert(
    fc.asyncProperty(t.input, async (x) => {
      const v = await violation(t, x)
      if (v !== null) throw new Error(v)
    }),
    { numRuns, ...(seed === undefined ? {} : { seed }) },
  )
  return { name: t.name, runs: numRuns, ms: performance.now() - start }
}
