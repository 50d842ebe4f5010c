// Catching up on a new epoch (issue 18): a node that shares storage with the publisher applies
// the epoch's changes (KeyDirectory.catchUp), where it used to rebuild its trees from every
// stored row (KeyDirectory.open). Both timed in CPU ms, on the same storage, alternating.
import { randomBytes } from 'node:crypto'
import { KeyDirectory, MemoryDirectoryStorage } from '@candor/transparency'

export interface CatchUpFigures {
  /** CPU ms to apply an epoch of 1,000 changes incrementally (median). */
  catchUpMsPer1kChanges: number
  /** CPU ms to rebuild the whole directory instead, what a node did before (median). */
  rebuildMs: number
  entries: number
}

const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function measureCatchUp(p: { entries: number; rounds: number }): Promise<CatchUpFigures> {
  const storage = new MemoryDirectoryStorage()
  const config = { origin: 'bench.candor.test/directory', signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2), storage }
  const writer = await KeyDirectory.open(config)
  // Random VRF outputs through the evaluator: the tree's shape is what matters, and it builds in seconds.
  const fake = async (alphas: readonly Uint8Array[]): Promise<Uint8Array[]> => alphas.map(() => new Uint8Array(randomBytes(64)))
  const value = new Uint8Array(600).fill(0x61)
  for (let made = 0; made < p.entries; made += 10_000) {
    await writer.updateMany(Array.from({ length: Math.min(10_000, p.entries - made) }, (_, i) => ({ label: `bg-${made + i}@bench.test`, value })), fake)
    await writer.publishEpoch()
  }
  const follower = await KeyDirectory.open(config)
  const catchUps: number[] = []
  const rebuilds: number[] = []
  for (let r = 0; r < p.rounds; r++) {
    await writer.updateMany(Array.from({ length: 1000 }, (_, i) => ({ label: `round-${r}-${i}@bench.test`, value })), fake)
    await writer.publishEpoch()
    let t = cpuMs()
    const applied = await follower.catchUp()
    catchUps.push(cpuMs() - t)
    if (applied.epochs !== 1 || follower.checkpoint() !== writer.checkpoint()) throw new Error('the follower did not catch up')
    t = cpuMs()
    const rebuilt = await KeyDirectory.open(config)
    rebuilds.push(cpuMs() - t)
    if (rebuilt.checkpoint() !== writer.checkpoint()) throw new Error('the rebuild differs')
  }
  const round = (x: number): number => Math.round(x * 100) / 100
  return { catchUpMsPer1kChanges: round(median(catchUps)), rebuildMs: round(median(rebuilds)), entries: p.entries }
}
