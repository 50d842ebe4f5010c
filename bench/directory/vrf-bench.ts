// Key directory VRF cost (issue 18): median ECVRF prove / hash / verify times and the directory's
// publish path (update() for N labels, then publishEpoch) in updates/s, in one process, for the
// portable path (noble only) and the server's (X25519 multiplier), alternated in the same run.
// Run: node --conditions=candor-source --import tsx bench/directory/vrf-bench.ts [N] [rounds]
import { loadavg } from 'node:os'
import { KeyDirectory, vrfSecretKey, vrfVerify, type FixedKeyMultiplierFactory } from '@candor/transparency'
import { x25519Multiplier } from '@candor/transparency/node'

const N = Number(process.argv[2] ?? 2000)
const ROUNDS = Number(process.argv[3] ?? 3)
const enc = new TextEncoder()

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function perOp(n: number, fn: (i: number) => void): number {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn(i)
  return (performance.now() - t0) / n
}

const alphas = Array.from({ length: N }, (_, i) => enc.encode(`user-${i}@example.org#1`))
const variants: Record<string, FixedKeyMultiplierFactory | undefined> = { noble: undefined, x25519: x25519Multiplier }
const results: Record<string, { prove: number[]; hash: number[]; verify: number[]; publish: number[] }> = {}

for (const [name, fast] of Object.entries(variants)) {
  const key = vrfSecretKey(new Uint8Array(32).fill(7), fast)
  perOp(50, (i) => key.prove(alphas[i]!)) // warm-up
  results[name] = { prove: [], hash: [], verify: [], publish: [] }
}
const proofs = alphas.slice(0, 500).map((a) => vrfSecretKey(new Uint8Array(32).fill(7)).prove(a))

for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fast] of Object.entries(variants)) {
    const out = results[name]!
    const key = vrfSecretKey(new Uint8Array(32).fill(7), fast)
    const m = Math.min(N, 500)
    out.prove.push(perOp(m, (i) => {
      if (fast && key.prove(alphas[i]!).some((b, j) => b !== proofs[i]![j])) throw new Error('proofs differ')
      else if (!fast) key.prove(alphas[i]!)
    }))
    out.hash.push(perOp(m, (i) => key.hash(alphas[i]!)))
    out.verify.push(perOp(m, (i) => {
      if (vrfVerify(key.publicKey, alphas[i]!, proofs[i]!) === null) throw new Error('verify failed')
    }))
    const dir = await KeyDirectory.open({
      origin: 'bench.test/directory',
      signingKey: new Uint8Array(32).fill(1),
      vrfKey: new Uint8Array(32).fill(2),
      ...(fast ? { vrfMultiplier: fast } : {}),
    })
    const value = new Uint8Array(64).fill(r)
    const t0 = performance.now()
    for (let i = 0; i < N; i++) dir.update(`user-${i}@example.org`, value)
    await dir.publishEpoch()
    out.publish.push(N / ((performance.now() - t0) / 1000))
  }
}

const f = (x: number) => Number(x.toFixed(3))
console.log(JSON.stringify({ n: N, rounds: ROUNDS, loadavgAfter: loadavg().map((x) => f(x)) }))
for (const [name, o] of Object.entries(results)) {
  console.log(JSON.stringify({
    variant: name,
    proveMs: f(median(o.prove)),
    hashMs: f(median(o.hash)),
    verifyMs: f(median(o.verify)),
    publishUpdatesPerS: Math.round(median(o.publish)),
    all: { prove: o.prove.map(f), hash: o.hash.map(f), verify: o.verify.map(f), publish: o.publish.map(Math.round) },
  }))
}
