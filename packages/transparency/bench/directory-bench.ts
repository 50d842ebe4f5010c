// Prints figures for the key directory; not a test. Run: npx tsx packages/transparency/bench/directory-bench.ts
import { sha256 } from '@noble/hashes/sha2.js'
import {
  ed25519NoteSigner,
  encodeLookupProof,
  KeyDirectory,
  logEntryLeafHash,
  MemoryDirectoryStorage,
  MerkleLog,
  noteVerifierFromKey,
  openCheckpoint,
  PrefixTree,
  signCheckpoint,
  verifyLookup,
} from '../src/index.ts'
import { x25519Multiplier } from '../src/node/index.ts'
import { vrfPool } from './vrf-pool.ts'

const origin = 'bench.candor/directory'
// The server's VRF path (X25519 multiplier), as packages/server's DirectoryService uses it.
const config = { origin, signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2), vrfMultiplier: x25519Multiplier }
const FILLER = Number(process.argv[2] ?? 100_000)
const BATCH = 1_000

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)
}

function ms(start: number): string {
  return (performance.now() - start).toFixed(1)
}

// A stored directory with FILLER leaves (pseudo-random search keys stand in for VRF outputs).
let t0 = performance.now()
const storage = new MemoryDirectoryStorage()
const tree = new PrefixTree()
const rows = Array.from({ length: FILLER }, (_, i) => {
  const searchKey = sha256(u32(i))
  const commitment = sha256(searchKey)
  tree.insert(searchKey, commitment)
  return { label: `filler-${i}`, version: 1, epoch: 0, searchKey, commitment, value: null, opening: null }
})
const timestamp = Date.now()
const log = new MerkleLog([logEntryLeafHash(timestamp, tree.root())])
const checkpoint = signCheckpoint({ origin, size: 1, rootHash: log.root(), extensions: [] }, [ed25519NoteSigner(origin, config.signingKey)])
storage.commitEpoch({ epoch: 0, timestamp, prefixRoot: tree.root(), checkpoint }, rows)
console.log(`build ${FILLER} stored leaves: ${ms(t0)} ms`)

t0 = performance.now()
const dir = await KeyDirectory.open({ ...config, storage })
console.log(`open (rebuild trees from rows): ${ms(t0)} ms`)

for (let round = 0; round < 3; round++) {
  t0 = performance.now()
  for (let i = 0; i < BATCH; i++) dir.update(`user-${round}-${i}`, sha256(u32(i)))
  const updateMs = performance.now() - t0
  t0 = performance.now()
  await dir.publishEpoch()
  const publishMs = performance.now() - t0
  console.log(
    `round ${round}: ${BATCH} update() ${updateMs.toFixed(0)} ms (${((BATCH / updateMs) * 1000).toFixed(0)}/s, VRF-bound); ` +
      `publishEpoch ${publishMs.toFixed(1)} ms`,
  )
}

const pool = vrfPool(config.vrfKey, Number(process.argv[3] ?? 2))
for (let round = 0; round < 3; round++) {
  t0 = performance.now()
  const items = Array.from({ length: BATCH }, (_, i) => ({ label: `pooled-${round}-${i}`, value: sha256(u32(i)) }))
  await dir.updateMany(items, pool.evaluate)
  const updateMs = performance.now() - t0
  t0 = performance.now()
  await dir.publishEpoch()
  console.log(
    `pooled round ${round}: ${BATCH} updateMany() ${updateMs.toFixed(0)} ms (${((BATCH / updateMs) * 1000).toFixed(0)}/s); ` +
      `publishEpoch ${ms(t0)} ms`,
  )
}
await pool.close()

const cp = openCheckpoint(dir.checkpoint(), origin, [noteVerifierFromKey(dir.verifierKey)!])!.checkpoint
t0 = performance.now()
const proofs = []
for (let i = 0; i < 100; i++) proofs.push((await dir.lookup(`user-2-${i}`))!)
console.log(`lookup (first, builds 2 VRF proofs): ${(Number(ms(t0)) / 100).toFixed(2)} ms each`)
t0 = performance.now()
for (let i = 0; i < 100; i++) await dir.lookup(`user-2-${i}`)
console.log(`lookup (cached VRF proof for the latest version): ${(Number(ms(t0)) / 100).toFixed(2)} ms each`)
t0 = performance.now()
for (const [i, p] of proofs.entries()) if (verifyLookup(`user-2-${i}`, p, cp, dir.vrfPublicKey) === null) throw new Error('bad proof')
console.log(`verifyLookup: ${(Number(ms(t0)) / 100).toFixed(2)} ms each`)
const sizes = proofs.map((p) => encodeLookupProof(p).length)
console.log(`lookup proof bytes: min ${Math.min(...sizes)} max ${Math.max(...sizes)} (tree ${dir.epoch + 1} epochs)`)
