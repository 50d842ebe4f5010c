// This checkout's client lookup verification against another checkout's (e.g. a worktree of
// main), alternated round by round in one process, so both see the same machine load — on a
// shared machine the only fair before/after. The same compact lookups (lookup-fixture.ts, built
// here) are decoded, their checkpoint opened and verifyLookup run by each side's own
// @candor/transparency, each side's nodeCryptoProvider() installed, every person new to the
// verifier each round (the VRF memo cleared), each lookup by both sides back to back. Prints
// medians and 10th percentiles (CPU ms) and the median of the per-lookup ratios here/other.
// Run: node --conditions=candor-source --import tsx bench/directory/lookup-ab.ts OTHER_CHECKOUT \
//        [N] [E] [people] [rounds]
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { compactDirectoryValueCodec } from '@candor/protocol'
import * as here from '@candor/transparency'
import * as hereCrypto from '@candor/crypto/node'
import { lookupFixture } from './lookup-fixture.ts'
import { cpuMs, median, round } from './cpu-time.ts'

const other = resolve(process.argv[2] ?? '')
const N = Number(process.argv[3] ?? 10_000)
const E = Number(process.argv[4] ?? 200)
const P = Number(process.argv[5] ?? 20)
const ROUNDS = Number(process.argv[6] ?? 10)

type Transparency = typeof here
const there = (await import(pathToFileURL(`${other}/packages/transparency/src/index.ts`).href)) as Transparency
const thereCrypto = (await import(pathToFileURL(`${other}/packages/crypto/src/node/index.ts`).href)) as typeof hereCrypto
hereCrypto.nodeCryptoProvider()
thereCrypto.nodeCryptoProvider()


const { directory, people } = await lookupFixture({ entries: N, epochs: E, people: P })
const origin = directory.origin
const responses: { userId: string; compact: Uint8Array }[] = []
for (const u of people) {
  const proof = (await directory.lookup(u))!
  const checkpoint = directory.checkpointAt(proof.treeSize)!
  responses.push({ userId: u, compact: here.encodeCompactLookup(u, { checkpoint, proof }, origin, compactDirectoryValueCodec) })
}

/** One first lookup of `r` by side `t` (its memo cleared by the caller): whole and verifyLookup CPU ms. */
function firstLookup(t: Transparency, r: { userId: string; compact: Uint8Array }): [number, number] {
  const verifier = t.noteVerifierFromKey(directory.verifierKey)!
  let verifyMs = 0
  const [, ms] = cpuMs(() => {
    const body = t.decodeCompactLookup(r.userId, r.compact, origin, compactDirectoryValueCodec)
    if (!body) throw new Error('does not decode')
    const opened = t.openCheckpoint(body.checkpoint, verifier.name, [verifier])
    if (!opened) throw new Error('checkpoint does not open')
    const [verified, vms] = cpuMs(() => t.verifyLookup(r.userId, body.proof, opened.checkpoint, directory.vrfPublicKey))
    if (!verified || verified.value === null) throw new Error('does not verify')
    verifyMs = vms
  })
  return [ms, verifyMs]
}

const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!
const sides = { other: there, here } as const
const whole = { other: [] as number[], here: [] as number[] }
const verify = { other: [] as number[], here: [] as number[] }
const ratios: number[] = []
const verifyRatios: number[] = []
for (let r = -1; r < ROUNDS; r++) {
  there.clearVrfVerified()
  here.clearVrfVerified()
  // Each lookup by both sides back to back, which one first alternating, so both see the same load.
  responses.forEach((resp, i) => {
    const order = (i + r) % 2 === 0 ? (['other', 'here'] as const) : (['here', 'other'] as const)
    const got: Record<string, [number, number]> = {}
    for (const name of order) got[name] = firstLookup(sides[name], resp)
    if (r < 0) return // warm-up round
    for (const name of order) {
      whole[name].push(got[name]![0])
      verify[name].push(got[name]![1])
    }
    ratios.push(got.here![0] / got.other![0])
    verifyRatios.push(got.here![1] / got.other![1])
  })
  if (r >= 0 && (r + 1) % 5 === 0) console.log(JSON.stringify({ rounds: r + 1, load: round(loadavg()[0]!) }))
}
console.log(
  JSON.stringify({
    other,
    entries: N,
    epochs: E,
    people: P,
    rounds: ROUNDS,
    lookups: whole.here.length,
    otherFirstMs: round(median(whole.other)),
    hereFirstMs: round(median(whole.here)),
    otherFirstMsP10: round(pct(whole.other, 0.1)),
    hereFirstMsP10: round(pct(whole.here, 0.1)),
    otherVerifyLookupMs: round(median(verify.other)),
    hereVerifyLookupMs: round(median(verify.here)),
    otherVerifyLookupMsP10: round(pct(verify.other, 0.1)),
    hereVerifyLookupMsP10: round(pct(verify.here, 0.1)),
    firstRatioMedian: round(median(ratios)),
    verifyLookupRatioMedian: round(median(verifyRatios)),
  }),
)
