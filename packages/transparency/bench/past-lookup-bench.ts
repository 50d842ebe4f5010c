// Prints what a prefix-tree proof as of a past epoch costs; not a test.
// Run: npx tsx packages/transparency/bench/past-lookup-bench.ts [labels]
// The directory publishes an epoch per change, so here every leaf has an epoch of its own (the
// worst case for past views: a past epoch E differs from today by every leaf added after E).
// Search keys are pseudo-random stand-ins for VRF outputs; the VRF work of a past lookup is the
// same as a lookup's and is not measured here.
import { sha256 } from '@noble/hashes/sha2.js'
import { PrefixTree, prefixRootFromProof } from '../src/index.ts'

const LABELS = Number(process.argv[2] ?? 100_000)

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)
}

const key = (i: number): Uint8Array => sha256(u32(i))

let t0 = performance.now()
const tree = new PrefixTree()
for (let i = 0; i < LABELS; i++) tree.insert(key(i), sha256(key(i)), i)
tree.root()
console.log(`${LABELS} leaves, one epoch each: built in ${(performance.now() - t0).toFixed(0)} ms`)

t0 = performance.now()
for (let i = 0; i < 200; i++) tree.prove(key(LABELS + i))
console.log(`latest-epoch proof: ${((performance.now() - t0) / 200).toFixed(3)} ms`)

for (const behind of [1, 10, 100, 1_000, 10_000, Math.floor(LABELS / 2), LABELS - 1]) {
  if (behind >= LABELS) continue
  const epoch = LABELS - 1 - behind
  t0 = performance.now()
  const first = tree.proveAt(key(3), epoch)
  const cold = performance.now() - t0
  t0 = performance.now()
  const runs = 50
  for (let i = 0; i < runs; i++) tree.proveAt(key(LABELS + 1000 + i), epoch)
  const warm = (performance.now() - t0) / runs
  const ok = prefixRootFromProof(key(3), first, sha256(key(3)))
  console.log(
    `epoch ${behind} behind the latest (${behind} leaves added since): first proof ${cold.toFixed(1)} ms, ` +
      `next ones ${warm.toFixed(3)} ms each${ok ? '' : ' (PROOF DID NOT VERIFY)'}`,
  )
}

// The cache is bounded: proofs for many different old epochs evict each other.
t0 = performance.now()
const spread = 20
for (let i = 0; i < spread; i++) tree.proveAt(key(i), Math.floor((LABELS / spread) * i))
console.log(`${spread} proofs at ${spread} different old epochs: ${((performance.now() - t0) / spread).toFixed(1)} ms each`)
const mem = process.memoryUsage()
console.log(`heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`)
