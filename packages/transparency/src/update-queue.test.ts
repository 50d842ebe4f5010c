import { describe, expect, it } from 'vitest'
import { utf8 } from './bytes.ts'
import { verifyHistory, verifyLookup } from './directory-verify.ts'
import { vrfSecretKey } from './ecvrf.ts'
import { MemoryDirectoryStorage } from './directory-storage.ts'
import { KeyDirectory } from './key-directory.ts'
import { noteVerifierFromKey } from './note-verifier-key.ts'
import { openCheckpoint, type Checkpoint } from './tlog-checkpoint.ts'
import type { VrfEvaluator } from './update-queue.ts'

const origin = 'candor.test/directory'
const config = { origin, signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2) }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function head(dir: KeyDirectory): Checkpoint {
  return openCheckpoint(dir.checkpoint(), origin, [noteVerifierFromKey(dir.verifierKey)!])!.checkpoint
}

/** Stands in for a worker pool holding the same VRF key. */
function pool(vrfKey: Uint8Array, delayMs: number): VrfEvaluator {
  const key = vrfSecretKey(vrfKey)
  return async (alphas) => {
    await sleep(delayMs)
    return alphas.map((a) => key.hash(a))
  }
}

describe('KeyDirectory.updateMany', () => {
  it('keeps versions contiguous when slow batches, single updates and publication interleave', async () => {
    const dir = await KeyDirectory.open(config)
    const slow = dir.updateMany([{ label: 'alice', value: utf8('a1') }, { label: 'bob', value: utf8('b1') }], pool(config.vrfKey, 30))
    expect(dir.update('alice', utf8('a2'))).toBe(2) // reserved after the slow batch's version 1
    const fast = dir.updateMany([{ label: 'alice', value: utf8('a3') }], pool(config.vrfKey, 0))
    // Publication waits for every reservation made before it started.
    const published = dir.publishEpoch()
    const late = dir.updateMany([{ label: 'alice', value: utf8('a4') }], pool(config.vrfKey, 0))
    expect(await slow).toEqual([1, 1])
    expect(await fast).toEqual([3])
    await published
    expect(await late).toEqual([4])
    let got = verifyHistory('alice', (await dir.history('alice'))!, head(dir), dir.vrfPublicKey)
    expect(got?.versions.map((v) => new TextDecoder().decode(v.value!))).toEqual(['a1', 'a2', 'a3'])
    await dir.publishEpoch()
    got = verifyHistory('alice', (await dir.history('alice'))!, head(dir), dir.vrfPublicKey)
    expect(got?.versions.map((v) => v.addedInEpoch)).toEqual([0, 0, 0, 1])
    expect(verifyLookup('bob', (await dir.lookup('bob'))!, head(dir), dir.vrfPublicKey)?.version).toBe(1)
  })

  it('falls back to local evaluation when the evaluator fails or answers nonsense', async () => {
    const dir = await KeyDirectory.open(config)
    const failing: VrfEvaluator = async () => {
      throw new Error('worker died')
    }
    const nonsense: VrfEvaluator = async (alphas) => alphas.map(() => new Uint8Array(3))
    const short: VrfEvaluator = async () => []
    const sparse: VrfEvaluator = async (alphas) => new Array<Uint8Array>(alphas.length)
    expect(await dir.updateMany([{ label: 'c', value: utf8('1') }], failing)).toEqual([1])
    expect(await dir.updateMany([{ label: 'c', value: utf8('2') }], nonsense)).toEqual([2])
    expect(await dir.updateMany([{ label: 'c', value: utf8('3') }], short)).toEqual([3])
    expect(await dir.updateMany([{ label: 'c', value: utf8('4') }], sparse)).toEqual([4])
    await dir.publishEpoch()
    expect(verifyLookup('c', (await dir.lookup('c'))!, head(dir), dir.vrfPublicKey)?.version).toBe(4)
  })

  it('an evaluator with the wrong key yields proofs clients reject', async () => {
    const dir = await KeyDirectory.open(config)
    await dir.updateMany([{ label: 'd', value: utf8('1') }], pool(new Uint8Array(32).fill(7), 0))
    await dir.publishEpoch()
    expect(verifyLookup('d', (await dir.lookup('d'))!, head(dir), dir.vrfPublicKey)).toBeNull()
  })

  it('stops serving if an evaluator makes two entries collide', async () => {
    const dir = await KeyDirectory.open(config)
    const same: VrfEvaluator = async (alphas) => alphas.map(() => new Uint8Array(64).fill(5))
    await dir.updateMany([{ label: 'e', value: utf8('1') }, { label: 'f', value: utf8('1') }], same)
    await expect(dir.publishEpoch()).rejects.toMatchObject({ code: 'internal' })
    expect(() => dir.update('g', utf8('1'))).toThrow()
  })

  it('validates every item before queuing any', async () => {
    const dir = await KeyDirectory.open(config)
    await expect(dir.updateMany([{ label: 'ok', value: utf8('1') }, { label: '', value: utf8('1') }])).rejects.toMatchObject({ code: 'bad_request' })
    await expect(dir.updateMany('nope' as never)).rejects.toMatchObject({ code: 'bad_request' })
    expect(dir.pendingCount).toBe(0)
    expect(dir.update('ok', utf8('1'))).toBe(1)
  })

  it('tombstones entries that were still being evaluated', async () => {
    const dir = await KeyDirectory.open(config)
    const pending = dir.updateMany([{ label: 'h', value: utf8('secret') }], pool(config.vrfKey, 20))
    expect(await dir.tombstone('h')).toBe(1)
    await pending
    await dir.publishEpoch()
    expect(verifyLookup('h', (await dir.lookup('h'))!, head(dir), dir.vrfPublicKey)).toMatchObject({ version: 1, tombstoned: true })
  })

  it('a tombstone racing a publication also erases what that publication stores', async () => {
    const storage = new MemoryDirectoryStorage()
    const dir = await KeyDirectory.open({ ...config, storage })
    const queued = dir.updateMany([{ label: 'i', value: utf8('secret') }], pool(config.vrfKey, 10))
    const published = dir.publishEpoch()
    const erased = dir.tombstone('i')
    await Promise.all([queued, published])
    expect(await erased).toBe(1)
    expect(storage.loadEntries().find((e) => e.label === 'i')).toMatchObject({ value: null, opening: null })
  })
})
