// The key directory's storage (DirectoryStorage, issue 18): the head (epochs, tombstone
// position) and what was stored since a reader's position — epochs in order with their entries,
// the entries tombstoned since — so another node catches up without reading everything.
import { expect, it } from 'vitest'
import { randomBytes } from '@candor/protocol'
import type { Store } from '@candor/ports'
import type { StoreRef } from './fixtures.ts'

type EntryRow = Parameters<ReturnType<Store['directoryStorage']>['commitEpoch']>[1][number]

export function directoryStorageContract(store: StoreRef): void {
  it('head and loadSince give the epochs, entries and tombstones stored after a position', async () => {
    const storage = store().directoryStorage()
    const start = await storage.head()
    expect(start.epochs).toBe(await storage.countEpochs())
    const label = `contract-${Buffer.from(randomBytes(6)).toString('hex')}`
    const entry = (version: number, epoch: number): EntryRow => ({
      label,
      version,
      epoch,
      searchKey: randomBytes(32),
      commitment: randomBytes(32),
      value: randomBytes(40),
      opening: randomBytes(16),
    })
    const epochRow = (epoch: number) => ({ epoch, timestamp: 1_700_000_000_000 + epoch, prefixRoot: randomBytes(32), checkpoint: `note ${epoch}` })
    const e0 = start.epochs
    await storage.commitEpoch(epochRow(e0), [entry(1, e0)])
    await storage.commitEpoch(epochRow(e0 + 1), [entry(2, e0 + 1)])
    const head = await storage.head()
    expect(head.epochs).toBe(e0 + 2)
    const since = await storage.loadSince(e0 + 1, head.tombstones)
    expect(since.epochs.map((e) => e.epoch)).toEqual([e0 + 1])
    expect(since.epochs[0]!.checkpoint).toBe(`note ${e0 + 1}`)
    expect(since.entries.map((e) => [e.label, e.version, e.epoch])).toEqual([[label, 2, e0 + 1]])
    expect(since.tombstones).toEqual([])
    expect(since.tombstonePosition).toBe(head.tombstones)

    await storage.tombstone(label, 1)
    const after = await storage.head()
    expect(after.tombstones).toBeGreaterThan(head.tombstones)
    const stones = await storage.loadSince(after.epochs, head.tombstones)
    expect(stones.epochs).toEqual([])
    expect(stones.tombstones).toEqual([{ label, version: 1 }])
    expect(stones.tombstonePosition).toBe(after.tombstones)
    await storage.tombstone(label)
    const all = await storage.loadSince(after.epochs, after.tombstones)
    expect([...all.tombstones].sort((a, b) => a.version - b.version)).toEqual([
      { label, version: 1 },
      { label, version: 2 },
    ])
    // Nothing after the latest position.
    const latest = await storage.head()
    expect((await storage.loadSince(latest.epochs, latest.tombstones)).tombstones).toEqual([])
  })
}
