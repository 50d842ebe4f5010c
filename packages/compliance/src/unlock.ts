// An unlock (docs/compliance.md "Opening the archive (k of n)"): a request scoped to one case
// carries a fresh X25519 key whose secret stays on the requesting officer's device. Each
// approving officer's device opens its own share and re-seals it to that key, inside a statement
// it signs with its device key; the server keeps the statements and releases them only once k
// officers approved and every person in scope has a receipt. With k − 1 re-sealed shares the
// requester combines to a wrong key, which `combineShares` refuses.
import canonicalize from 'canonicalize'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromBase64Url, toBase64Url, utf8 } from '@candor/protocol'
import { openWithX25519, sealToX25519, type SealedBox } from './hpke-to-device.ts'
import { combineShares, openOwnShare, type ArchiveKeyRecord, type SealedShare } from './officer-shares.ts'

export const RESEAL_INFO = 'candor/unlock-share/v1'
export const APPROVAL_CONTEXT = 'candor/unlock-approval/v1\n'

/** What a case covers: conversations and/or people, in a time window (ms, inclusive). */
export interface UnlockScope {
  conversations: string[]
  people: string[]
  from: number
  to: number
}

/** The request as the officer files it (the server adds its id and keeps the exact text). */
export interface UnlockRequestBody {
  /** `case` (default) or `resplit` (recover the key only to split it anew; empty scope). */
  purpose?: 'case' | 'resplit'
  scope: UnlockScope
  why: string
  case: string
  /** The archive key version whose shares open it. */
  keyVersion: number
  /** The request's ephemeral X25519 public key (base64url). */
  ephemeralKey: string
  /** When the people in scope may read their receipts, if later than now (within the policy's bound). */
  delayUntil?: number
}

/** An officer's signed approval, carrying their share re-sealed to the request's ephemeral key. */
export interface UnlockApproval {
  v: 1
  org: string
  request: string
  /** SHA-256 (base64url) of the request's exact text as the server stored it: the approval is of that case, no other. */
  requestHash: string
  keyVersion: number
  user: string
  device: string
  share: SealedBox
  at: number
}

const resealAad = (request: string, device: string) => `${request}\n${device}`

export function requestHash(requestText: string): string {
  return toBase64Url(sha256(utf8(requestText)))
}

/** The bytes an approval's signature covers: a context line, then RFC 8785 canonical JSON. */
export function approvalBytes(a: UnlockApproval): Uint8Array {
  return utf8(APPROVAL_CONTEXT + canonicalize(a)!)
}

/** Builds and signs an approval on the officer's device: opens its share, re-seals it to the request. */
export async function approveUnlock(opts: {
  org: string
  requestId: string
  requestText: string
  request: UnlockRequestBody
  ownShare: SealedShare
  deviceSecretKey: Uint8Array
  user: string
  device: string
  at: number
}): Promise<{ approval: UnlockApproval; signature: string }> {
  const share = await openOwnShare(opts.deviceSecretKey, opts.org, opts.request.keyVersion, opts.ownShare)
  const eph = fromBase64Url(opts.request.ephemeralKey)
  if (!eph || eph.length !== 32) throw new Error('the request’s ephemeral key is not an X25519 public key')
  const box = await sealToX25519(eph, share, RESEAL_INFO, resealAad(opts.requestId, opts.device))
  share.fill(0)
  const approval: UnlockApproval = {
    v: 1,
    org: opts.org,
    request: opts.requestId,
    requestHash: requestHash(opts.requestText),
    keyVersion: opts.request.keyVersion,
    user: opts.user,
    device: opts.device,
    share: box,
    at: opts.at,
  }
  return { approval, signature: toBase64Url(ed25519.sign(approvalBytes(approval), opts.deviceSecretKey)) }
}

/** Whether an approval's signature verifies with the device's key (false on any garbage). */
export function verifyApproval(approval: UnlockApproval, signature: string, devicePublicKey: Uint8Array): boolean {
  try {
    const sig = fromBase64Url(signature)
    return sig !== null && sig.length === 64 && ed25519.verify(sig, approvalBytes(approval), devicePublicKey)
  } catch {
    return false
  }
}

/**
 * The requester opens the re-sealed shares with the request's ephemeral secret and combines them;
 * fewer than k, or shares of another request or key version, throw (ShareError).
 */
export async function openUnlock(record: ArchiveKeyRecord, requestId: string, ephemeralSecret: Uint8Array, approvals: readonly UnlockApproval[]): Promise<Uint8Array> {
  const shares: Uint8Array[] = []
  for (const a of approvals) {
    if (a.request !== requestId) throw new Error(`an approval by ${a.user} is of request ${a.request}, not ${requestId}`)
    shares.push(await openWithX25519(ephemeralSecret, a.share, RESEAL_INFO, resealAad(requestId, a.device), `the share re-sealed by ${a.device}`))
  }
  return combineShares(record, shares)
}

/** Whether a record (its conversation, sender and time) is within the case's scope. */
export function inScope(scope: UnlockScope, r: { conversation: string; sender: { user: string }; sentAt: number }): boolean {
  if (r.sentAt < scope.from || r.sentAt > scope.to) return false
  return scope.conversations.includes(r.conversation) || scope.people.includes(r.sender.user)
}
