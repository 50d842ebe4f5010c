// A key directory sized like a deployment, for the lookup figures of issue 18: `entries`
// background labels (their VRF outputs drawn at random through `updateMany`'s evaluator, so
// building 100,000 takes seconds, not minutes — the prefix tree's shape is what matters) over
// `epochs` epochs, then `people` persons with three enrolled devices each (real Ed25519
// enrolment signatures, real VRF), published in the last epoch. Lookups of those persons are
// what a client verifies.
import { randomBytes } from 'node:crypto'
import { approvalStatement, deviceIdFromKey, encodeDirectoryValue, registrationStatement, toBase64Url, type DirectoryDevice } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { KeyDirectory } from '@candor/transparency'
import { x25519Multiplier } from '@candor/transparency/node'

export interface LookupFixture {
  directory: KeyDirectory
  people: string[]
}

/** A directory value of a person with `devices` devices: the first registered itself, it approved the others. */
export function personValue(userId: string, devices = 3): Uint8Array {
  const keys = Array.from({ length: devices }, () => generateDeviceKey())
  const first = keys[0]!
  const firstId = deviceIdFromKey(first.publicKey)
  const firstKey = toBase64Url(first.publicKey)
  const list: DirectoryDevice[] = keys.map((k, i) => {
    const key = toBase64Url(k.publicKey)
    const id = deviceIdFromKey(k.publicKey)
    const sig = i === 0 ? signDetached(first.secretKey, registrationStatement(userId, key)) : signDetached(first.secretKey, approvalStatement(firstId, userId, key))
    return { id, key, by: firstId, byKey: firstKey, sig: toBase64Url(sig) }
  })
  return encodeDirectoryValue({ v: 2, kind: 'person', org: 'acme', devices: list, receipts: toBase64Url(randomBytes(32)) })
}

export async function lookupFixture(p: { entries: number; epochs: number; people: number }): Promise<LookupFixture> {
  const directory = await KeyDirectory.open({
    origin: 'bench.candor.test/directory',
    signingKey: new Uint8Array(32).fill(1),
    vrfKey: new Uint8Array(32).fill(2),
    vrfMultiplier: x25519Multiplier,
  })
  const fake = async (alphas: readonly Uint8Array[]): Promise<Uint8Array[]> => alphas.map(() => new Uint8Array(randomBytes(64)))
  const value = new Uint8Array(600).fill(0x61)
  const perEpoch = Math.max(1, Math.ceil(p.entries / Math.max(1, p.epochs - 1)))
  let made = 0
  for (let e = 0; e < p.epochs - 1; e++) {
    const n = Math.min(perEpoch, p.entries - made)
    if (n > 0) await directory.updateMany(Array.from({ length: n }, (_, i) => ({ label: `bg-${made + i}@bench.test`, value })), fake)
    made += Math.max(0, n)
    await directory.publishEpoch()
  }
  const people = Array.from({ length: p.people }, (_, i) => `person-${i}@bench.test`)
  for (const u of people) directory.update(u, personValue(u))
  await directory.publishEpoch()
  return { directory, people }
}
