import { vrfSecretKey, vrfVerify, vrfVerifyReference, clearVrfVerified } from '@candor/transparency'
const enc = new TextEncoder()
const key = vrfSecretKey(new Uint8Array(32).fill(7))
const N = 200
const alphas = Array.from({ length: N }, (_, i) => enc.encode(`a${i}`))
const proofs = alphas.map((a) => key.prove(a))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
for (let round = 0; round < 3; round++) {
  clearVrfVerified()
  let t = cpu(); for (let i = 0; i < N; i++) if (!vrfVerifyReference(key.publicKey, alphas[i]!, proofs[i]!)) throw 1
  const ref = (cpu() - t) / N
  t = cpu(); for (let i = 0; i < N; i++) { const b = vrfVerify(key.publicKey, alphas[i]!, proofs[i]!); const r = vrfVerifyReference(key.publicKey, alphas[i]!, proofs[i]!); if (!b || Buffer.compare(b, r!) !== 0) throw 2 }
  clearVrfVerified()
  t = cpu(); for (let i = 0; i < N; i++) if (!vrfVerify(key.publicKey, alphas[i]!, proofs[i]!)) throw 1
  console.log(`ref ${ref.toFixed(3)} ms, fast ${((cpu() - t) / N).toFixed(3)} ms`)
}
