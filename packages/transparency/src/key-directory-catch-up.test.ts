// Catching up incrementally (KeyDirectory.catchUp: only the epochs and tombstones another writer
// stored since) gives the same directory as a rebuild from storage (KeyDirectory.open), whatever
// the sequence of updates, epochs, tombstones and catch-ups; a stored epoch that does not match
// is refused, not served.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex, utf8 } from './bytes.ts'
import { encodeHistoryProof, encodeLookupProof, encodePastLookupProof } from './directory-codec.ts'
import { MemoryDirectoryStorage, type DirectoryStorage } from './directory-storage.ts'
import { KeyDirectory } from './key-directory.ts'

const config = { origin: 'candor.test/directory', signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2) }
const LABELS = ['alice', 'bob', 'carol', 'dave', 'erin']

type Step = { kind: 'update'; label: number; value: number } | { kind: 'publish' } | { kind: 'tombstone'; label: number; version: number | null } | { kind: 'catchUp' }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('update' as const), label: fc.nat(LABELS.length - 1), value: fc.nat(1000) }),
  fc.constant({ kind: 'publish' as const }),
  fc.record({ kind: fc.constant('tombstone' as const), label: fc.nat(LABELS.length - 1), version: fc.option(fc.integer({ min: 1, max: 3 })) }),
  fc.constant({ kind: 'catchUp' as const }),
)

/** Everything a reader can be served, as bytes: head, every label's lookup and history, a past lookup of each. */
async function served(dir: KeyDirectory): Promise<string> {
  const out: string[] = [String(dir.epoch), dir.checkpoint() ?? '-']
  for (const label of LABELS) {
    const lookup = await dir.lookup(label)
    const history = await dir.history(label)
    out.push(lookup ? toHex(encodeLookupProof(lookup)) : '-', history ? toHex(encodeHistoryProof(history)) : '-')
    if (dir.epoch >= 1) out.push(toHex(encodePastLookupProof((await dir.lookupAt(label, dir.epoch))!)))
  }
  return out.join('\n')
}

describe('KeyDirectory.catchUp', () => {
  it('property: a follower that catches up equals a rebuild from the same storage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const storage = new MemoryDirectoryStorage()
        const writer = await KeyDirectory.open({ ...config, storage })
        await writer.publishEpoch()
        const follower = await KeyDirectory.open({ ...config, storage })
        for (const s of steps) {
          if (s.kind === 'update') writer.update(LABELS[s.label]!, utf8(`v${s.value}`))
          else if (s.kind === 'publish') await writer.publishEpoch()
          else if (s.kind === 'tombstone') await writer.tombstone(LABELS[s.label]!, s.version ?? undefined)
          else await follower.catchUp()
        }
        await writer.publishEpoch()
        await follower.catchUp()
        const rebuilt = await KeyDirectory.open({ ...config, storage })
        expect(await served(follower)).toBe(await served(rebuilt))
        // Nothing left to apply, and the follower can go on writing where the writer stopped.
        expect(await follower.catchUp()).toEqual({ epochs: 0, tombstones: 0 })
        const next = follower.update('alice', utf8('next'))
        expect(next).toBe(((await rebuilt.history('alice'))?.versions.length ?? 0) + 1)
      }),
      { numRuns: 40 },
    )
  })

  it('applies only the new epochs (the stored rows are not read again)', async () => {
    const storage = new MemoryDirectoryStorage()
    let entriesRead = 0
    const counting: DirectoryStorage = {
      loadEntries: () => storage.loadEntries(),
      loadEpochs: () => storage.loadEpochs(),
      countEpochs: () => storage.countEpochs(),
      commitEpoch: (e, rows) => storage.commitEpoch(e, rows),
      tombstone: (l, v) => storage.tombstone(l, v),
      head: () => storage.head(),
      loadSince: (e, t) => {
        const changes = storage.loadSince(e, t)
        entriesRead += changes.entries.length
        return changes
      },
    }
    const writer = await KeyDirectory.open({ ...config, storage })
    for (let i = 0; i < 50; i++) writer.update(`user-${i}`, utf8('x'))
    await writer.publishEpoch()
    const follower = await KeyDirectory.open({ ...config, storage: counting })
    writer.update('user-1', utf8('y'))
    writer.update('user-2', utf8('y'))
    await writer.publishEpoch()
    expect(await follower.catchUp()).toEqual({ epochs: 1, tombstones: 0 })
    expect(entriesRead).toBe(2)
  })

  it('refuses a stored epoch that does not match its entries, until reopened', async () => {
    const storage = new MemoryDirectoryStorage()
    const writer = await KeyDirectory.open({ ...config, storage })
    await writer.publishEpoch()
    const tampering: DirectoryStorage = {
      loadEntries: () => storage.loadEntries(),
      loadEpochs: () => storage.loadEpochs(),
      countEpochs: () => storage.countEpochs(),
      commitEpoch: (e, rows) => storage.commitEpoch(e, rows),
      tombstone: (l, v) => storage.tombstone(l, v),
      head: () => storage.head(),
      loadSince: (e, t) => {
        const c = storage.loadSince(e, t)
        return { ...c, entries: c.entries.map((r) => ({ ...r, commitment: r.commitment.map((b) => b ^ 1) })) }
      },
    }
    const follower = await KeyDirectory.open({ ...config, storage: tampering })
    writer.update('mallory', utf8('m'))
    await writer.publishEpoch()
    await expect(follower.catchUp()).rejects.toMatchObject({ code: 'unavailable' })
    await expect(follower.lookup('mallory')).rejects.toMatchObject({ code: 'unavailable' })
    expect((await KeyDirectory.open({ ...config, storage })).epoch).toBe(1)
  })
})
