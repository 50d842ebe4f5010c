// The lookup figures of issue 18, shared by the `directory` bench scenario and lookup-bench.ts:
// response bytes for persons with three devices and the client's CPU time to verify each one's
// first lookup (nothing memoised: every person is new to the verifier), as the SDK's
// DeviceDirectory does it — open the checkpoint, decode, verifyLookup, check the enrolments.
// With what a Node client uses: nodeCryptoProvider() installs node:crypto's Ed25519 check behind
// verifyDetached (useNodeEd25519), which the checkpoint note and the enrolments go through, and
// node:crypto's SHA-256/SHA-512/HMAC for the directory's proofs (useNodeHashes).
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0
import { compactDirectoryValueCodec, fromBase64Url, toBase64Url } from '@candor/protocol'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { provenEntry } from '@candor/sdk'
import { decodeCompactLookup, decodeLookupProof, encodeCompactLookup, encodeLookupProof, noteVerifierFromKey, openCheckpoint, verifyLookup, clearVrfVerified } from '@candor/transparency'
import { lookupFixture } from './lookup-fixture.ts'
import { cpuMs, median, round } from './cpu-time.ts'

export interface LookupFigures {
  entries: number
  epochs: number
  /** JSON response bytes (median over the persons). */
  lookupBytesJson: number
  /** Compact response bytes (§3 "Compact lookups"), median. */
  lookupBytes: number
  /** Client CPU ms for a first compact lookup: decode, open the checkpoint, verifyLookup (median). */
  verifyFirstMs: number
  /** The same for the JSON form: parse, open the checkpoint, decode, verifyLookup (median). */
  verifyFirstMsJson: number
  /** Of which verifyLookup alone (median). */
  verifyLookupMsJson: number
  /** Opening the checkpoint note (its Ed25519 signature). */
  checkpointMs: number
  /** The three enrolment signatures (either form; the SDK checks each device's once per process). */
  enrolmentsMs: number
}


export async function measureLookups(p: { entries: number; epochs: number; people: number }): Promise<LookupFigures> {
  const { directory, people } = await lookupFixture(p)
  nodeCryptoProvider()
  const verifier = noteVerifierFromKey(directory.verifierKey)!
  const vrfKey = directory.vrfPublicKey
  const responses = []
  for (const u of people) {
    const proof = (await directory.lookup(u))!
    const checkpoint = directory.checkpointAt(proof.treeSize)!
    responses.push({
      userId: u,
      json: JSON.stringify({ checkpoint, proof: toBase64Url(encodeLookupProof(proof)) }),
      compact: encodeCompactLookup(u, { checkpoint, proof }, directory.origin, compactDirectoryValueCodec),
    })
  }
  clearVrfVerified()
  const whole: number[] = []
  const only: number[] = []
  const checkpointMs: number[] = []
  const enrolMs: number[] = []
  for (const r of responses) {
    const [verifiedJson, ms] = cpuMs(() => {
      const body = JSON.parse(r.json) as { checkpoint: string; proof: string }
      const [opened, cms] = cpuMs(() => openCheckpoint(body.checkpoint, verifier.name, [verifier]))
      checkpointMs.push(cms)
      if (!opened) throw new Error('checkpoint does not open')
      const proof = decodeLookupProof(fromBase64Url(body.proof))!
      const [verified, vms] = cpuMs(() => verifyLookup(r.userId, proof, opened.checkpoint, vrfKey))
      only.push(vms)
      if (!verified) throw new Error('lookup does not verify')
      return verified
    })
    whole.push(ms)
    const [entry, ems] = cpuMs(() => provenEntry(r.userId, verifiedJson.value))
    enrolMs.push(ems)
    if (entry.devices.length !== 3) throw new Error('not three devices')
  }
  const values = new Map<string, Uint8Array>()
  const verifiedJsonValue = (u: string): Uint8Array => values.get(u)!
  for (const r of responses) {
    const body = JSON.parse(r.json) as { checkpoint: string; proof: string }
    const opened = openCheckpoint(body.checkpoint, verifier.name, [verifier])!
    values.set(r.userId, verifyLookup(r.userId, decodeLookupProof(fromBase64Url(body.proof))!, opened.checkpoint, vrfKey)!.value!)
  }
  // The compact form, each person new again to the verifier.
  clearVrfVerified()
  const wholeCompact: number[] = []
  for (const r of responses) {
    const [, ms] = cpuMs(() => {
      const body = decodeCompactLookup(r.userId, r.compact, directory.origin, compactDirectoryValueCodec)
      if (!body) throw new Error('compact lookup does not decode')
      const opened = openCheckpoint(body.checkpoint, verifier.name, [verifier])
      if (!opened) throw new Error('checkpoint does not open')
      const verified = verifyLookup(r.userId, body.proof, opened.checkpoint, vrfKey)
      if (!verified || verified.value === null || !equalBytes(verified.value, verifiedJsonValue(r.userId))) throw new Error('compact lookup does not verify to the JSON one')
    })
    wholeCompact.push(ms)
  }
  return {
    entries: p.entries,
    epochs: p.epochs,
    lookupBytesJson: median(responses.map((r) => Buffer.byteLength(r.json))),
    lookupBytes: median(responses.map((r) => r.compact.length)),
    verifyFirstMs: round(median(wholeCompact.slice(1))),
    verifyFirstMsJson: round(median(whole.slice(1))),
    verifyLookupMsJson: round(median(only.slice(1))),
    checkpointMs: round(median(checkpointMs.slice(1))),
    enrolmentsMs: round(median(enrolMs.slice(1))),
  }
}
