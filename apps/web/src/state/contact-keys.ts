// A contact's device keys as the key directory proves them (the SDK checks the lookup proof
// against a signed checkpoint consistent with everything this device has seen before).
import { toBase64Url } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'

export interface KeySet {
  userId: string
  /** Proven device public keys, base64url, sorted. */
  keys: string[]
}

export async function provenKeys(client: CandorClient, userId: string): Promise<KeySet> {
  const devices = await client.verifiedDevices(userId)
  return { userId, keys: devices.map((d) => toBase64Url(d.publicKey)).sort() }
}

export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i])
}
