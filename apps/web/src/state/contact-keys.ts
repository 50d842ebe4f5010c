// A contact's device keys as the server's directory lists them today, and the safety number
// over both people's keys (the same 60 digits on both sides).
import { safetyNumber } from '@candor/crypto'
import { fromBase64Url } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'

export interface KeySet {
  userId: string
  /** Active device public keys, base64url, sorted. */
  keys: string[]
}

export async function activeKeys(client: CandorClient, userId: string): Promise<KeySet> {
  const { devices } = await client.api.userDevices(userId)
  return { userId, keys: devices.filter((d) => d.status === 'active').map((d) => d.publicKey).sort() }
}

export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i])
}

export function safetyNumberOf(mine: KeySet, theirs: KeySet): string {
  const bytes = (s: KeySet) => ({ userId: s.userId, keys: s.keys.map((k) => fromBase64Url(k)!) })
  return safetyNumber(bytes(mine), bytes(theirs))
}
