// The person's own access receipts: fetched with inclusion proofs against a signed checkpoint
// (checked for consistency with what this device saw before), opened with this device's key
// (HPKE to the X25519 form of its Ed25519 key), and checked to be about this person. What is
// needed to check none was withheld (withheld-receipts.ts) comes back beside them.
import { ed25519 } from '@noble/curves/ed25519.js'
import type { MlsSuite } from '@candor/crypto'
import { merkleLeafHash, verifyInclusion } from '@candor/transparency'
import {
  CandorError,
  RECEIPT_HPKE_INFO,
  accessReceiptSchema,
  accessReceiptsResponseSchema,
  fromBase64Url,
  fromUtf8,
  receiptEnvelopeSchema,
  utf8,
  type AccessReceipt,
} from '@candor/protocol'
import type { DataApi } from './data-api.ts'
import type { AccessLogTracker } from './access-log-tracker.ts'
import type { HandedReceipt } from './withheld-receipts.ts'

export interface ReceiptOwner {
  userId: string
  deviceId: string
  secretKey: Uint8Array
}

export interface VerifiedReceipt {
  /** Leaf index in the access log; its inclusion proof verified against a signed checkpoint. */
  index: number
  /** The receipt, or null when it was sealed only to devices other than this one. */
  receipt: AccessReceipt | null
  /** The earliest time this device saw a signed log that already held the leaf, if it did. */
  inLogSince: number | null
  /** Its place in the tally this person's directory entry commits to; null while not yet committed. */
  position: number | null
}

export interface FetchedReceipts {
  receipts: VerifiedReceipt[]
  /** The salt of the person's receipts commitment, as the server handed it. */
  salt: Uint8Array
  handed: HandedReceipt[]
}

function fail(message: string): CandorError {
  return new CandorError('receipt_invalid', `access receipt check failed: ${message}`)
}

export async function fetchReceipts(api: DataApi, tracker: AccessLogTracker, owner: ReceiptOwner, suite: MlsSuite): Promise<FetchedReceipts> {
  // What the device saw before this call is the evidence of when a leaf was already logged.
  const earlier = await tracker.seen()
  const res = await api.call(accessReceiptsResponseSchema, 'GET', '/v1/access-receipts')
  const cp = await tracker.accept(res.checkpoint)
  const secret = await suite.hpke.importPrivateKey(ed25519.utils.toMontgomerySecret(owner.secretKey))
  const out: VerifiedReceipt[] = []
  const handed: HandedReceipt[] = []
  for (const r of res.receipts) {
    const envelope = fromBase64Url(r.envelope)
    const proof = r.proof.map((p) => fromBase64Url(p) ?? new Uint8Array())
    const leafHash = envelope ? merkleLeafHash(envelope) : null
    if (!envelope || !leafHash || !verifyInclusion(r.index, cp.size, leafHash, proof, cp.rootHash)) {
      throw fail(`receipt at index ${r.index} is not in the signed log of size ${cp.size}`)
    }
    out.push({
      index: r.index,
      receipt: await open(envelope, owner, suite, secret),
      inLogSince: earlier.find((s) => s.size > r.index)?.seenAt ?? null,
      position: r.position,
    })
    handed.push({ position: r.position, leafHash })
  }
  const salt = fromBase64Url(res.salt)
  if (!salt) throw fail('the salt of the receipts commitment is malformed')
  return { receipts: out, salt, handed }
}

async function open(envelope: Uint8Array, owner: ReceiptOwner, suite: MlsSuite, secret: Awaited<ReturnType<MlsSuite['hpke']['importPrivateKey']>>): Promise<AccessReceipt | null> {
  let parsed
  try {
    parsed = receiptEnvelopeSchema.safeParse(JSON.parse(fromUtf8(envelope)))
  } catch {
    throw fail('a sealed receipt is not JSON')
  }
  if (!parsed.success) throw fail('a sealed receipt is malformed')
  const copy = parsed.data.copies.find((c) => c.device === owner.deviceId)
  if (!copy) return null
  let plaintext: Uint8Array
  try {
    plaintext = await suite.hpke.open(secret, fromBase64Url(copy.enc)!, fromBase64Url(copy.ct)!, utf8(RECEIPT_HPKE_INFO), utf8(owner.deviceId))
  } catch (e) {
    throw new CandorError('receipt_invalid', 'a receipt sealed to this device does not open with its key', { cause: e })
  }
  let receipt
  try {
    receipt = accessReceiptSchema.safeParse(JSON.parse(fromUtf8(plaintext)))
  } catch {
    throw fail('an opened receipt is not JSON')
  }
  if (!receipt.success) throw fail('an opened receipt is malformed')
  if (receipt.data.subject !== owner.userId) throw fail(`a receipt in this account's list concerns ${receipt.data.subject}`)
  return receipt.data
}
