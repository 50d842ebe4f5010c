import { sha256 } from '@noble/hashes/sha2.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { u32be, utf8 } from './bytes.ts'
import { logEntryLeafHash } from './directory-encoding.ts'
import { encodeLookupProof } from './directory-codec.ts'
import type { HistoryProof, LookupProof } from './directory-proofs.ts'
import { MemoryDirectoryStorage } from './directory-storage.ts'
import { verifyHistory, verifyLookup } from './directory-verify.ts'
import { KeyDirectory } from './key-directory.ts'
import { MerkleLog } from './merkle-log.ts'
import { ed25519NoteSigner } from './note-ed25519.ts'
import { PrefixTree } from './prefix-tree.ts'
import type { PrefixProof } from './prefix-proof.ts'
import { noteVerifierFromKey } from './note-verifier-key.ts'
import { openCheckpoint, signCheckpoint, type Checkpoint } from './tlog-checkpoint.ts'

const origin = 'candor.test/directory'
const config = { origin, signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2) }
const flip = (b: Uint8Array, i = 0): Uint8Array => b.map((x, j) => (j === i % b.length ? x ^ 1 : x))

let dir: KeyDirectory
let cp: Checkpoint
let lookup: LookupProof
let history: HistoryProof

beforeAll(async () => {
  let t = 1_700_000_000_000
  dir = await KeyDirectory.open({ ...config, now: () => (t += 1000) })
  for (let i = 0; i < 40; i++) dir.update(`user-${i}`, utf8(`key-${i}`))
  dir.update('alice', utf8('a1'))
  await dir.publishEpoch()
  dir.update('alice', utf8('a2'))
  dir.update('bob', utf8('b1'))
  await dir.publishEpoch()
  cp = openCheckpoint(dir.checkpoint(), origin, [noteVerifierFromKey(dir.verifierKey)!])!.checkpoint
  lookup = (await dir.lookup('alice'))!
  history = (await dir.history('alice'))!
})

describe('verifyLookup / verifyHistory accept genuine proofs', () => {
  it('lookup and history', () => {
    expect(verifyLookup('alice', lookup, cp, dir.vrfPublicKey)?.version).toBe(2)
    expect(verifyHistory('alice', history, cp, dir.vrfPublicKey)?.versions).toHaveLength(2)
  })
})

describe('tampered lookups are rejected (negative controls)', () => {
  const latest = () => lookup.latest!
  const cases: [string, () => LookupProof][] = [
    ['value changed', () => ({ ...lookup, latest: { ...latest(), value: utf8('evil') } })],
    ['opening changed', () => ({ ...lookup, latest: { ...latest(), opening: flip(latest().opening!) } })],
    ['commitment changed', () => ({ ...lookup, latest: { ...latest(), commitment: flip(latest().commitment) } })],
    ['value dropped but opening kept', () => ({ ...lookup, latest: { ...latest(), value: null } })],
    ['claims an older version', () => ({ ...lookup, latest: { ...latest(), version: 1 } })],
    ['VRF proof flipped', () => ({ ...lookup, latest: { ...latest(), vrfProof: flip(latest().vrfProof, 40) } })],
    ['VRF proof of the absent version swapped in', () => ({ ...lookup, latest: { ...latest(), vrfProof: lookup.absent.vrfProof } })],
    ['prefix copath flipped', () => ({ ...lookup, latest: { ...latest(), prefixProof: flipCopath(latest().prefixProof) } })],
    ['absent version proof flipped', () => ({ ...lookup, absent: { ...lookup.absent, prefixProof: flipCopath(lookup.absent.prefixProof) } })],
    ['absent version off by one', () => ({ ...lookup, absent: { ...lookup.absent, version: 4 } })],
    ['hides the latest version', () => ({ ...lookup, latest: null })],
    ['prefix root changed', () => ({ ...lookup, prefixRoot: flip(lookup.prefixRoot) })],
    ['timestamp changed', () => ({ ...lookup, timestamp: lookup.timestamp + 1 })],
    ['log proof changed', () => ({ ...lookup, logProof: lookup.logProof.map((h) => flip(h)) })],
    ['tree size changed', () => ({ ...lookup, treeSize: 3 })],
  ]
  it.each(cases)('%s', (_name, make) => {
    expect(verifyLookup('alice', make(), cp, dir.vrfPublicKey)).toBeNull()
  })

  it('wrong label, wrong VRF key, wrong or stale checkpoint', () => {
    expect(verifyLookup('bob', lookup, cp, dir.vrfPublicKey)).toBeNull()
    expect(verifyLookup('alice', lookup, cp, flip(dir.vrfPublicKey))).toBeNull()
    expect(verifyLookup('alice', lookup, { ...cp, rootHash: flip(cp.rootHash) }, dir.vrfPublicKey)).toBeNull()
    expect(verifyLookup('alice', lookup, { ...cp, size: 1 }, dir.vrfPublicKey)).toBeNull()
  })

  it('garbage never throws', () => {
    const junk: unknown[] = [undefined, null, 1, 'x', {}, [], { ...lookup, latest: 5 }, { ...lookup, absent: null }, { ...lookup, logProof: null }]
    for (const j of junk) {
      expect(verifyLookup('alice', j as LookupProof, cp, dir.vrfPublicKey)).toBeNull()
      expect(verifyHistory('alice', j as HistoryProof, cp, dir.vrfPublicKey)).toBeNull()
      expect(verifyLookup('alice', lookup, j as Checkpoint, dir.vrfPublicKey)).toBeNull()
      expect(verifyLookup(j as string, lookup, cp, dir.vrfPublicKey)).toBeNull()
      expect(verifyLookup('alice', lookup, cp, j as Uint8Array)).toBeNull()
    }
  })
})

describe('tampered histories are rejected (negative controls)', () => {
  const cases: [string, () => HistoryProof][] = [
    ['a version dropped', () => ({ ...history, versions: history.versions.slice(1) })],
    ['versions reordered', () => ({ ...history, versions: [...history.versions].reverse() })],
    ['last version dropped', () => ({ ...history, versions: history.versions.slice(0, 1) })],
    ['a value changed', () => ({ ...history, versions: history.versions.map((v, i) => (i === 0 ? { ...v, value: utf8('x') } : v)) })],
    ['epochs out of order', () => ({ ...history, versions: history.versions.map((v, i) => ({ ...v, addedInEpoch: 1 - i })) })],
    ['absent proof flipped', () => ({ ...history, absent: { ...history.absent, prefixProof: flipCopath(history.absent.prefixProof) } })],
  ]
  it.each(cases)('%s', (_name, make) => {
    expect(verifyHistory('alice', make(), cp, dir.vrfPublicKey)).toBeNull()
  })
})

function flipCopath(p: PrefixProof): PrefixProof {
  const i = p.copath.findIndex((c) => c !== null)
  if (i < 0) return { ...p, depth: p.depth + 1, copath: [...p.copath, new Uint8Array(32)] }
  return { ...p, copath: p.copath.map((c, j) => (j === i && c !== null ? flip(c) : c)) }
}

describe('size', () => {
  it('a lookup proof stays under 2 KB with 100k labels in the tree', async () => {
    // Filler leaves are stored rows with pseudo-random search keys (computing 100k VRF outputs
    // would take minutes and change nothing about the proof's shape).
    const storage = new MemoryDirectoryStorage()
    const tree = new PrefixTree()
    const rows = Array.from({ length: 100_000 }, (_, i) => {
      const searchKey = sha256(u32be(i))
      const commitment = sha256(searchKey)
      tree.insert(searchKey, commitment)
      return { label: `filler-${i}`, version: 1, epoch: 0, searchKey, commitment, value: null, opening: null }
    })
    const timestamp = 1_700_000_000_000
    const log = new MerkleLog([logEntryLeafHash(timestamp, tree.root())])
    const checkpoint = signCheckpoint({ origin, size: 1, rootHash: log.root(), extensions: [] }, [ed25519NoteSigner(origin, config.signingKey)])
    storage.commitEpoch({ epoch: 0, timestamp, prefixRoot: tree.root(), checkpoint }, rows)
    const big = await KeyDirectory.open({ ...config, storage, now: () => timestamp })
    // A few hundred more epochs so the log proof is not trivially short.
    for (let e = 0; e < 255; e++) await big.publishEpoch()
    big.update('alice', utf8('a'.repeat(64)))
    await big.publishEpoch()
    const sizes = []
    for (const label of ['alice', 'nobody', 'filler-7']) {
      const proof = (await big.lookup(label))!
      const bytes = encodeLookupProof(proof)
      sizes.push(bytes.length)
    }
    expect(Math.max(...sizes)).toBeLessThan(2048)
  })
})
