// Lookups as of a past epoch, proven in a later checkpoint: against random histories the verified
// answer at every epoch is the ground truth, and every tampered or misdirected proof is refused.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { utf8 } from './bytes.ts'
import { decodePastLookupProof, encodePastLookupProof } from './directory-codec.ts'
import type { PastLookupProof } from './directory-proofs.ts'
import { MemoryDirectoryStorage } from './directory-storage.ts'
import { verifyLookup, verifyPastLookup } from './directory-verify.ts'
import { KeyDirectory } from './key-directory.ts'
import { noteVerifierFromKey } from './note-verifier-key.ts'
import { openCheckpoint, type Checkpoint } from './tlog-checkpoint.ts'

const origin = 'candor.test/directory'
const config = { origin, signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2) }
const LABELS = ['alice', 'bob', 'carol'] as const

function clock(): () => number {
  let t = 1_700_000_000_000
  return () => (t += 1000)
}

function checkpointOf(dir: KeyDirectory, size: number): Checkpoint {
  const opened = openCheckpoint(dir.checkpointAt(size), origin, [noteVerifierFromKey(dir.verifierKey)!])
  if (opened === null) throw new Error('checkpoint does not verify')
  return opened.checkpoint
}

/** What each label holds after each epoch: version and value (null once tombstoned or never). */
type Truth = Array<Map<string, { version: number; value: string | null }>>

/**
 * Epochs of random updates (a label index per update, an empty list = an empty epoch), one
 * tombstone on the way; returns the directory and the truth per epoch.
 */
async function build(epochs: readonly (readonly number[])[], tombstoneAfter: number): Promise<{ dir: KeyDirectory; truth: Truth }> {
  const dir = await KeyDirectory.open({ ...config, now: clock(), storage: new MemoryDirectoryStorage() })
  const versions = new Map<string, number>()
  /** Versions of alice up to this one were erased. */
  let erasedUpTo = 0
  const truth: Truth = []
  for (const [e, updates] of epochs.entries()) {
    for (const i of updates) {
      const label = LABELS[i % LABELS.length]!
      const v = (versions.get(label) ?? 0) + 1
      versions.set(label, v)
      dir.update(label, utf8(`${label}-v${v}`))
    }
    await dir.publishEpoch()
    if (e === tombstoneAfter && versions.has('alice')) {
      // Erasure deletes the label's values so far, in every epoch's view.
      await dir.tombstone('alice')
      erasedUpTo = versions.get('alice')!
    }
    truth.push(new Map([...versions].map(([l, v]) => [l, { version: v, value: `${l}-v${v}` }])))
  }
  for (const t of truth) {
    const a = t.get('alice')
    if (a && a.version <= erasedUpTo) t.set('alice', { ...a, value: null })
  }
  return { dir, truth }
}

const historyArb = fc.array(fc.array(fc.nat(5), { maxLength: 3 }), { minLength: 1, maxLength: 6 })

describe('past lookups', () => {
  it('property: at every epoch and for every label, the verified version is the ground truth, and no older checkpoint passes', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(8), async (epochs, tombstoneAfter) => {
        const { dir, truth } = await build(epochs, tombstoneAfter)
        const latest = checkpointOf(dir, epochs.length)
        for (let e = 0; e < epochs.length; e++) {
          for (const label of [...LABELS, 'nobody']) {
            const proof = (await dir.lookupAt(label, e + 1))!
            const decoded = decodePastLookupProof(encodePastLookupProof(proof))!
            const got = verifyPastLookup(label, decoded, latest, dir.vrfPublicKey, e)
            const want = truth[e]!.get(label) ?? { version: 0, value: null }
            expect(got).not.toBeNull()
            expect(got!.version).toBe(want.version)
            expect(got!.epoch).toBe(e)
            expect(got!.value === null ? null : new TextDecoder().decode(got!.value)).toBe(want.value)
            expect(got!.tombstoned).toBe(want.version > 0 && want.value === null)
            // Every checkpoint older than the epoch (sizes 1..e) refuses it, as given or as claimed.
            for (let size = 1; size <= e; size++) {
              const older = checkpointOf(dir, size)
              expect(verifyPastLookup(label, decoded, older, dir.vrfPublicKey, e)).toBeNull()
              expect(verifyPastLookup(label, { ...decoded, treeSize: size }, older, dir.vrfPublicKey, e)).toBeNull()
            }
          }
        }
      }),
      { numRuns: 12 },
    )
  })

  it('property: any flipped bit of an encoded past lookup is refused', async () => {
    const { dir } = await build([[0, 1], [0], [], [0, 2], [1]], 99)
    const latest = checkpointOf(dir, 5)
    const encoded = encodePastLookupProof((await dir.lookupAt('alice', 2))!)
    expect(verifyPastLookup('alice', decodePastLookupProof(encoded)!, latest, dir.vrfPublicKey, 1)?.version).toBe(2)
    fc.assert(
      fc.property(fc.nat(encoded.length * 8 - 1), (bit) => {
        const bytes = encoded.slice()
        bytes[bit >> 3]! ^= 0x80 >> (bit & 7)
        const proof = decodePastLookupProof(bytes)
        expect(proof === null || verifyPastLookup('alice', proof, latest, dir.vrfPublicKey, 1) === null).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('is bound to its epoch, its label and a checkpoint at least as new as the epoch', async () => {
    const { dir } = await build([[0], [0, 1], [0], [2]], 99)
    const vrf = dir.vrfPublicKey
    const latest = checkpointOf(dir, 4)
    const proof = (await dir.lookupAt('alice', 2))!
    expect(verifyPastLookup('alice', proof, latest, vrf, 1)?.version).toBe(2)
    // Another epoch than the one asked for: the answer for epoch 1 is not the answer for 2 or 0.
    expect(verifyPastLookup('alice', proof, latest, vrf, 2)).toBeNull()
    expect(verifyPastLookup('alice', proof, latest, vrf, 0)).toBeNull()
    expect(verifyPastLookup('alice', { ...proof, epoch: 2 }, latest, vrf, 2)).toBeNull()
    expect(verifyPastLookup('bob', proof, latest, vrf, 1)).toBeNull()
    // A checkpoint older than the epoch (size 1 holds only epoch 0), as given or as claimed.
    const old = checkpointOf(dir, 1)
    expect(verifyPastLookup('alice', proof, old, vrf, 1)).toBeNull()
    expect(verifyPastLookup('alice', { ...proof, treeSize: 1, logProof: [] }, old, vrf, 1)).toBeNull()
    // The checkpoint of exactly the epoch's size works, with a proof made against it.
    const exact = checkpointOf(dir, 2)
    const asOf2 = (await dir.lookupAt('alice', 2))!
    expect(verifyPastLookup('alice', asOf2, exact, vrf, 1)).toBeNull() // made against size 4
    expect(verifyPastLookup('alice', asOf2, { ...latest, rootHash: exact.rootHash }, vrf, 1)).toBeNull()
    // A past lookup of the latest epoch is a lookup.
    const now = (await dir.lookupAt('alice', 4))!
    expect(verifyPastLookup('alice', now, latest, vrf, 3)?.version).toBe(3)
    expect(verifyLookup('alice', now, latest, vrf)?.version).toBe(3)
    // A latest-epoch lookup does not pass for a past one.
    expect(verifyLookup('alice', proof, latest, vrf)).toBeNull()
  })

  it('garbage never throws; sizes outside the log are refused on the server', async () => {
    const { dir } = await build([[0], [1]], 99)
    const latest = checkpointOf(dir, 2)
    const proof = (await dir.lookupAt('alice', 1))!
    const junk: unknown[] = [undefined, null, 1, 'x', {}, [], { ...proof, epoch: -1 }, { ...proof, epoch: 1.5 }, { ...proof, logProof: null }, { ...proof, latest: 7 }]
    for (const j of junk) {
      expect(verifyPastLookup('alice', j as PastLookupProof, latest, dir.vrfPublicKey, 0)).toBeNull()
      expect(verifyPastLookup('alice', proof, j as Checkpoint, dir.vrfPublicKey, 0)).toBeNull()
      expect(verifyPastLookup('alice', proof, latest, dir.vrfPublicKey, j as number)).toBeNull()
    }
    for (const bad of [null, 1, 'x', new Uint8Array(3)]) expect(decodePastLookupProof(bad)).toBeNull()
    // An epoch at or past the tree size does not decode.
    const bytes = encodePastLookupProof({ ...proof, epoch: proof.treeSize })
    expect(decodePastLookupProof(bytes)).toBeNull()
    await expect(dir.lookupAt('alice', 3)).rejects.toMatchObject({ code: 'not_found' })
    await expect(dir.lookupAt('alice', 0)).rejects.toMatchObject({ code: 'bad_request' })
    await expect(dir.lookupAt('alice', 1.5)).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('survives a reopen from storage: the rebuilt tree serves the same past proofs', async () => {
    const storage = new MemoryDirectoryStorage()
    const dir = await KeyDirectory.open({ ...config, now: clock(), storage })
    for (let e = 0; e < 4; e++) {
      dir.update('alice', utf8(`a${e}`))
      if (e % 2 === 0) dir.update(`filler-${e}`, utf8('x'))
      await dir.publishEpoch()
    }
    const reopened = await KeyDirectory.open({ ...config, storage })
    const latest = checkpointOf(reopened, 4)
    for (let e = 0; e < 4; e++) {
      const got = verifyPastLookup('alice', (await reopened.lookupAt('alice', e + 1))!, latest, reopened.vrfPublicKey, e)
      expect(got?.version).toBe(e + 1)
      expect(encodePastLookupProof((await reopened.lookupAt('alice', e + 1))!)).toEqual(encodePastLookupProof((await dir.lookupAt('alice', e + 1))!))
    }
  })
})
