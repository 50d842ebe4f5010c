// Where a client's first lookup spends its CPU (issue 18, "Lookup verification in the client
// ≤ 5 ms"): the compact lookups of `lookup-measure.ts`'s fixture verified again and again, each
// time as new to the verifier (the VRF memo cleared), for `seconds` — long enough for a
// `--cpu-prof` profile whose last part (`profile-summary.ts FILE 30 LASTMS`) is verification only.
// Prints the median CPU ms of the decode, the checkpoint, verifyLookup, and verifyLookup again
// with its proofs already remembered (everything but the VRF curve arithmetic).
// Run: node --conditions=candor-source --import tsx [--cpu-prof --cpu-prof-dir DIR] \
//        bench/directory/lookup-profile.ts [N] [E] [people] [seconds]
import { loadavg } from 'node:os'
import { compactDirectoryValueCodec } from '@candor/protocol'
import * as nodeCrypto from '@candor/crypto/node'
import { clearVrfVerified, decodeCompactLookup, encodeCompactLookup, noteVerifierFromKey, openCheckpoint, verifyLookup } from '@candor/transparency'
import { lookupFixture } from './lookup-fixture.ts'
import { cpuMs, median, round } from './cpu-time.ts'

const N = Number(process.argv[2] ?? 10_000)
const E = Number(process.argv[3] ?? 200)
const P = Number(process.argv[4] ?? 20)
const SECONDS = Number(process.argv[5] ?? 20)


const l0 = loadavg()[0]
const { directory, people } = await lookupFixture({ entries: N, epochs: E, people: P })
// What a Node client has: its provider installs node:crypto's Ed25519 check (and, where the
// code has them, its hashes) for the process. NOBLE_HASHES=1 puts @noble/hashes back, to see
// what the hashes alone are worth (through the namespace, so this file also runs on older code).
nodeCrypto.nodeCryptoProvider()
const hashes = nodeCrypto as { useHashFunctions?: (f: null) => void }
if (process.env.NOBLE_HASHES === '1') hashes.useHashFunctions?.(null)
const verifier = noteVerifierFromKey(directory.verifierKey)!
const origin = directory.origin
const responses: { userId: string; compact: Uint8Array }[] = []
for (const u of people) {
  const proof = (await directory.lookup(u))!
  const checkpoint = directory.checkpointAt(proof.treeSize)!
  responses.push({ userId: u, compact: encodeCompactLookup(u, { checkpoint, proof }, origin, compactDirectoryValueCodec) })
}
const decodeMs: number[] = []
const checkpointMs: number[] = []
const verifyMs: number[] = []
const rememberedMs: number[] = []
const until = performance.now() + SECONDS * 1000
let lookups = 0
while (performance.now() < until) {
  clearVrfVerified()
  for (const r of responses) {
    const [body, dms] = cpuMs(() => decodeCompactLookup(r.userId, r.compact, origin, compactDirectoryValueCodec))
    if (!body) throw new Error('does not decode')
    const [opened, cms] = cpuMs(() => openCheckpoint(body.checkpoint, verifier.name, [verifier]))
    if (!opened) throw new Error('checkpoint does not open')
    const [verified, vms] = cpuMs(() => verifyLookup(r.userId, body.proof, opened.checkpoint, directory.vrfPublicKey))
    if (!verified) throw new Error('does not verify')
    const [, rms] = cpuMs(() => verifyLookup(r.userId, body.proof, opened.checkpoint, directory.vrfPublicKey))
    decodeMs.push(dms)
    checkpointMs.push(cms)
    verifyMs.push(vms)
    rememberedMs.push(rms)
    lookups++
  }
}
console.log(
  JSON.stringify({
    entries: N,
    epochs: E,
    lookups,
    nobleHashes: process.env.NOBLE_HASHES === '1',
    load: [l0, loadavg()[0]],
    decodeMs: round(median(decodeMs)),
    checkpointMs: round(median(checkpointMs)),
    verifyLookupMs: round(median(verifyMs)),
    verifyLookupRememberedMs: round(median(rememberedMs)),
  }),
)
