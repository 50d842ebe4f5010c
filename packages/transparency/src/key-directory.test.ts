import { describe, expect, it } from 'vitest'
import { utf8 } from './bytes.ts'
import { decodeHistoryProof, decodeLookupProof, encodeHistoryProof, encodeLookupProof } from './directory-codec.ts'
import { MemoryDirectoryStorage, type DirectoryStorage, type EntryRow, type EpochRow } from './directory-storage.ts'
import { verifyHistory, verifyLookup } from './directory-verify.ts'
import { KeyDirectory } from './key-directory.ts'
import { verifyConsistency } from './merkle-verify.ts'
import { noteVerifierFromKey } from './note-verifier-key.ts'
import { openCheckpoint, type Checkpoint } from './tlog-checkpoint.ts'

const origin = 'candor.test/directory'
const config = { origin, signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2) }

function clock(): () => number {
  let t = 1_700_000_000_000
  return () => (t += 1000)
}

function head(dir: KeyDirectory): Checkpoint {
  const opened = openCheckpoint(dir.checkpoint(), origin, [noteVerifierFromKey(dir.verifierKey)!])
  if (opened === null) throw new Error('checkpoint does not verify')
  return opened.checkpoint
}

describe('KeyDirectory', () => {
  it('has nothing to prove before the first epoch', async () => {
    const dir = await KeyDirectory.open({ ...config, now: clock() })
    expect(dir.epoch).toBe(-1)
    expect(dir.checkpoint()).toBeNull()
    expect(await dir.lookup('alice')).toBeNull()
  })

  it('publishes batched updates and serves lookups that verify', async () => {
    const dir = await KeyDirectory.open({ ...config, now: clock() })
    expect(dir.update('alice', utf8('alice-key-1'))).toBe(1)
    expect(dir.update('bob', utf8('bob-key-1'))).toBe(1)
    expect(dir.pendingCount).toBe(2)
    // Not visible until published.
    await dir.publishEpoch()
    expect(dir.update('alice', utf8('alice-key-2'))).toBe(2)
    const before = head(dir)
    let got = verifyLookup('alice', (await dir.lookup('alice'))!, before, dir.vrfPublicKey)
    expect(got?.version).toBe(1)
    await dir.publishEpoch()
    const cp = head(dir)
    expect(cp.size).toBe(2)
    got = verifyLookup('alice', (await dir.lookup('alice'))!, cp, dir.vrfPublicKey)
    expect(got).toMatchObject({ version: 2, tombstoned: false, epoch: 1 })
    expect(new TextDecoder().decode(got!.value!)).toBe('alice-key-2')
    expect(verifyLookup('bob', (await dir.lookup('bob'))!, cp, dir.vrfPublicKey)?.version).toBe(1)
    // The heads are consistent.
    expect(verifyConsistency(1, 2, before.rootHash, cp.rootHash, dir.consistencyProof(1))).toBe(true)
  })

  it('proves absence for unknown labels', async () => {
    const dir = await KeyDirectory.open({ ...config, now: clock() })
    dir.update('alice', utf8('k'))
    await dir.publishEpoch()
    const got = verifyLookup('mallory', (await dir.lookup('mallory'))!, head(dir), dir.vrfPublicKey)
    expect(got).toMatchObject({ version: 0, value: null, tombstoned: false })
    // And on an empty tree.
    const empty = await KeyDirectory.open({ ...config, now: clock() })
    await empty.publishEpoch()
    expect(verifyLookup('x', (await empty.lookup('x'))!, head(empty), empty.vrfPublicKey)?.version).toBe(0)
  })

  it('serves a history the owner can verify', async () => {
    const dir = await KeyDirectory.open({ ...config, now: clock() })
    for (let i = 1; i <= 5; i++) {
      dir.update('carol', utf8(`carol-${i}`))
      if (i % 2 === 1) dir.update(`filler-${i}`, utf8('x'))
      await dir.publishEpoch()
    }
    const proof = (await dir.history('carol'))!
    const got = verifyHistory('carol', proof, head(dir), dir.vrfPublicKey)
    expect(got?.versions.map((v) => new TextDecoder().decode(v.value!))).toEqual(['carol-1', 'carol-2', 'carol-3', 'carol-4', 'carol-5'])
    expect(got?.versions.map((v) => v.addedInEpoch)).toEqual([0, 1, 2, 3, 4])
    const decoded = decodeHistoryProof(encodeHistoryProof(proof))!
    expect(verifyHistory('carol', decoded, head(dir), dir.vrfPublicKey)?.versions).toHaveLength(5)
  })

  it('tombstones: values and openings are gone, proofs still verify', async () => {
    const storage = new MemoryDirectoryStorage()
    const dir = await KeyDirectory.open({ ...config, storage, now: clock() })
    dir.update('dave', utf8('d1'))
    dir.update('dave', utf8('d2'))
    await dir.publishEpoch()
    expect(await dir.tombstone('dave', 1)).toBe(1)
    let history = verifyHistory('dave', (await dir.history('dave'))!, head(dir), dir.vrfPublicKey)!
    expect(history.versions.map((v) => v.tombstoned)).toEqual([true, false])
    expect(await dir.tombstone('dave')).toBe(1)
    const got = verifyLookup('dave', (await dir.lookup('dave'))!, head(dir), dir.vrfPublicKey)
    expect(got).toMatchObject({ version: 2, value: null, tombstoned: true })
    expect(storage.loadEntries().every((e) => e.value === null && e.opening === null)).toBe(true)
    history = verifyHistory('dave', (await dir.history('dave'))!, head(dir), dir.vrfPublicKey)!
    expect(history.versions.every((v) => v.tombstoned)).toBe(true)
  })

  it('restores from storage to the same heads and refuses a tampered store', async () => {
    const storage = new MemoryDirectoryStorage()
    const dir = await KeyDirectory.open({ ...config, storage, now: clock() })
    for (let e = 0; e < 3; e++) {
      for (let i = 0; i < 20; i++) dir.update(`user-${(i * 7 + e) % 25}`, utf8(`v${e}-${i}`))
      await dir.publishEpoch()
    }
    const reopened = await KeyDirectory.open({ ...config, storage, now: clock() })
    expect(reopened.checkpoint()).toBe(dir.checkpoint())
    expect(reopened.epoch).toBe(2)
    const proof = (await reopened.lookup('user-3'))!
    expect(verifyLookup('user-3', proof, head(dir), dir.vrfPublicKey)).not.toBeNull()
    // A new update continues the version sequence.
    const next = reopened.update('user-3', utf8('again'))
    expect(next).toBe((verifyLookup('user-3', proof, head(dir), dir.vrfPublicKey)?.version ?? 0) + 1)

    const rows = storage.loadEntries()
    const tampered: DirectoryStorage = {
      loadEntries: () => rows.map((r, i) => (i === 5 ? { ...r, commitment: r.commitment.map((b) => b ^ 1) } : r)),
      loadEpochs: () => storage.loadEpochs(),
      commitEpoch: () => undefined,
      tombstone: () => undefined,
      countEpochs: () => storage.countEpochs(),
      head: () => storage.head(),
      loadSince: (e, t) => storage.loadSince(e, t),
    }
    await expect(KeyDirectory.open({ ...config, storage: tampered })).rejects.toThrow()
    const wrongKey = { ...config, signingKey: new Uint8Array(32).fill(9), storage }
    await expect(KeyDirectory.open({ ...wrongKey, origin: 'other.test/dir' })).rejects.toThrow()
  })

  it('refuses service after a failed write instead of serving an undurable head', async () => {
    let fail = false
    const inner = new MemoryDirectoryStorage()
    const storage: DirectoryStorage = {
      loadEntries: () => inner.loadEntries(),
      loadEpochs: () => inner.loadEpochs(),
      countEpochs: () => inner.countEpochs(),
      head: () => inner.head(),
      loadSince: (e, t) => inner.loadSince(e, t),
      commitEpoch: async (e: EpochRow, rows: readonly EntryRow[]) => {
        if (fail) throw new Error('disk full')
        inner.commitEpoch(e, rows)
      },
      tombstone: (l, v) => inner.tombstone(l, v),
    }
    const dir = await KeyDirectory.open({ ...config, storage, now: clock() })
    dir.update('erin', utf8('e1'))
    await dir.publishEpoch()
    const durable = dir.checkpoint()
    fail = true
    dir.update('erin', utf8('e2'))
    await expect(dir.publishEpoch()).rejects.toMatchObject({ code: 'unavailable' })
    expect(dir.checkpoint()).toBe(durable)
    await expect(dir.lookup('erin')).rejects.toMatchObject({ code: 'unavailable' })
    const reopened = await KeyDirectory.open({ ...config, storage, now: clock() })
    expect(reopened.checkpoint()).toBe(durable)
  })

  it('makes concurrent readers wait for the epoch being stored', async () => {
    const inner = new MemoryDirectoryStorage()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const storage: DirectoryStorage = {
      loadEntries: () => inner.loadEntries(),
      loadEpochs: () => inner.loadEpochs(),
      countEpochs: () => inner.countEpochs(),
      head: () => inner.head(),
      loadSince: (e, t) => inner.loadSince(e, t),
      commitEpoch: async (e, rows) => {
        await gate
        inner.commitEpoch(e, rows)
      },
      tombstone: (l, v) => inner.tombstone(l, v),
    }
    const dir = await KeyDirectory.open({ ...config, storage, now: clock() })
    dir.update('frank', utf8('f1'))
    const publishing = dir.publishEpoch()
    await expect(dir.publishEpoch()).rejects.toMatchObject({ code: 'conflict' })
    const reading = dir.lookup('frank')
    release()
    await publishing
    const proof = (await reading)!
    expect(verifyLookup('frank', proof, head(dir), dir.vrfPublicKey)?.version).toBe(1)
  })

  it('rejects bad input with a clear error and changes nothing', async () => {
    const dir = await KeyDirectory.open({ ...config, now: clock() })
    expect(() => dir.update('', utf8('x'))).toThrow(/label/)
    expect(() => dir.update('x'.repeat(256), utf8('x'))).toThrow(/label/)
    expect(() => dir.update('ok', 'not bytes' as never)).toThrow(/value/)
    expect(() => dir.update('ok', new Uint8Array(65 * 1024))).toThrow(/value/)
    expect(dir.pendingCount).toBe(0)
    await dir.publishEpoch()
    await expect(dir.lookup('')).rejects.toMatchObject({ code: 'bad_request' })
    expect(() => dir.consistencyProof(1, 5)).toThrow()
  })

  it('refuses a broken clock without losing queued updates', async () => {
    let now = Number.NaN
    const dir = await KeyDirectory.open({ ...config, now: () => now })
    dir.update('hal', utf8('h1'))
    await expect(dir.publishEpoch()).rejects.toMatchObject({ code: 'internal' })
    now = 1_700_000_000_000.5
    const row = await dir.publishEpoch()
    expect(row.timestamp).toBe(1_700_000_000_000)
    expect((await dir.lookup('hal'))?.latest?.version).toBe(1)
  })

  it('round-trips lookup proofs through the binary codec', async () => {
    const dir = await KeyDirectory.open({ ...config, now: clock() })
    dir.update('gina', utf8('g'))
    await dir.publishEpoch()
    await dir.tombstone('gina')
    dir.update('gina', utf8('g2'))
    await dir.publishEpoch()
    for (const label of ['gina', 'nobody']) {
      const proof = (await dir.lookup(label))!
      const bytes = encodeLookupProof(proof)
      expect(decodeLookupProof(bytes)).toEqual(proof)
      expect(decodeLookupProof(bytes.subarray(0, bytes.length - 1))).toBeNull()
      expect(decodeLookupProof(new Uint8Array([...bytes, 0]))).toBeNull()
    }
  })
})
