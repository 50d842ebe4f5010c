// The key ceremony (docs/compliance.md "Opening the archive (k of n)"): a fresh archive key pair
// (X25519), its private half split with Shamir's scheme (`shamir-secret-sharing`) into one share
// per compliance officer device, each share HPKE-sealed to that device's directory-proven key.
// The private half exists only in the ceremony's memory and, later, in the memory of whoever
// combines k shares for one case; the server stores the sealed shares and the signed key record.
// The export key (Ed25519, signs eDiscovery manifests) is derived from the archive private key, so
// only k officers together can sign an export.
import { split, combine } from 'shamir-secret-sharing'
import canonicalize from 'canonicalize'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromBase64Url, isDeviceId, isUserId, toBase64Url, utf8 } from '@candor/protocol'
import { newX25519KeyPair, openAsDevice, sealToDevice, type SealedBox } from './hpke-to-device.ts'

export const SHARE_INFO = 'candor/officer-share/v1'
export const KEY_RECORD_CONTEXT = 'candor/archive-key/v1\n'
/** At most this many officer devices hold shares (the library's limit is 255). */
export const MAX_SHARES = 32

export interface OfficerDevice {
  user: string
  device: string
  /** The device's Ed25519 public key, as its key-directory entry proves it. */
  publicKey: Uint8Array
}

/** The archive key record: what the ceremony's device signs and the server publishes. */
export interface ArchiveKeyRecord {
  v: 1
  org: string
  version: number
  /** The archive's X25519 public key (base64url): the archive seals every record to it. */
  archiveKey: string
  /** The Ed25519 public key (base64url) that signs eDiscovery export manifests. */
  exportKey: string
  k: number
  n: number
  officers: { user: string; device: string }[]
  createdAt: number
}

export interface SealedShare extends SealedBox {
  user: string
  device: string
}

export class ShareError extends Error {
  override name = 'ShareError'
}

const shareAad = (org: string, version: number, device: string) => `${org}\n${version}\n${device}`

/** The export signing key's seed, derived from the archive private key (HKDF-SHA256). */
export function exportSeed(archivePrivateKey: Uint8Array): Uint8Array {
  return hkdf(sha256, archivePrivateKey, new Uint8Array(0), utf8('candor/ediscovery-export/v1'), 32)
}

/** The bytes a key record's signature covers: a context line, then RFC 8785 canonical JSON. */
export function keyRecordBytes(r: ArchiveKeyRecord): Uint8Array {
  return utf8(KEY_RECORD_CONTEXT + canonicalize(r)!)
}

/** Checks k and n: 1 ≤ k ≤ n ≤ MAX_SHARES, k ≥ 2 unless n = 1. */
export function checkThreshold(k: number, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARES) throw new ShareError(`n must be 1 to ${MAX_SHARES} officer devices (got ${n})`)
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ShareError(`k must be 1 to n = ${n} (got ${k})`)
  if (k === 1 && n > 1) throw new ShareError('k = 1 with several officers lets any one of them open the archive alone: choose k ≥ 2')
}

/**
 * Generates the archive key and splits it among the officers' devices. `archivePrivateKey` is
 * returned only so a test can check it; a ceremony forgets it at once.
 */
export async function keyCeremony(org: string, version: number, k: number, officers: readonly OfficerDevice[], createdAt: number) {
  return splitArchiveKey(org, version, k, officers, newX25519KeyPair().secretKey, createdAt)
}

/** Splits a given archive private key (a re-split when an officer leaves uses a fresh one instead). */
export async function splitArchiveKey(org: string, version: number, k: number, officers: readonly OfficerDevice[], archivePrivateKey: Uint8Array, createdAt: number) {
  checkThreshold(k, officers.length)
  const devices = new Set(officers.map((o) => o.device))
  if (devices.size !== officers.length) throw new ShareError('an officer device is named twice')
  for (const o of officers) {
    if (!isUserId(o.user) || !isDeviceId(o.device)) throw new ShareError(`officer ${o.user}/${o.device}: not a user id and device id`)
  }
  // The library needs ≥ 2 shares; a lone officer's "share" is the key itself.
  const parts = officers.length === 1 ? [archivePrivateKey.slice()] : await split(archivePrivateKey, officers.length, k)
  const shares: SealedShare[] = []
  for (const [i, o] of officers.entries()) {
    const box = await sealToDevice(o.publicKey, parts[i]!, SHARE_INFO, shareAad(org, version, o.device))
    shares.push({ user: o.user, device: o.device, ...box })
  }
  const record: ArchiveKeyRecord = {
    v: 1,
    org,
    version,
    archiveKey: toBase64Url(x25519.getPublicKey(archivePrivateKey)),
    exportKey: toBase64Url(ed25519.getPublicKey(exportSeed(archivePrivateKey))),
    k,
    n: officers.length,
    officers: officers.map((o) => ({ user: o.user, device: o.device })),
    createdAt,
  }
  return { record, shares, archivePrivateKey }
}

/** An officer's device opens its own share. */
export function openOwnShare(deviceSecretKey: Uint8Array, org: string, version: number, share: SealedShare): Promise<Uint8Array> {
  return openAsDevice(deviceSecretKey, share, SHARE_INFO, shareAad(org, version, share.device), `the share of ${share.device}`)
}

/**
 * Combines shares into the archive private key and checks it against the record's public key:
 * fewer than k shares, or shares of another key version, give some other value, never the key.
 */
export async function combineShares(record: ArchiveKeyRecord, shares: readonly Uint8Array[]): Promise<Uint8Array> {
  if (shares.length < record.k) throw new ShareError(`${shares.length} share(s) given; opening the archive takes k = ${record.k}`)
  let key: Uint8Array
  try {
    key = record.n === 1 ? shares[0]!.slice() : await combine([...shares])
  } catch (e) {
    throw new ShareError(`the shares do not combine: ${e instanceof Error ? e.message : String(e)}`)
  }
  const expected = fromBase64Url(record.archiveKey)
  const got = key.length === 32 ? x25519.getPublicKey(key) : null
  if (!expected || !got || toBase64Url(got) !== toBase64Url(expected)) {
    throw new ShareError(`the shares do not combine to archive key version ${record.version} (shares from another version, or altered)`)
  }
  return key
}
