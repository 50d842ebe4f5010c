// Erasing the account from a device: leave every conversation first (the other members then
// remove all of this account's devices by commits), ask the server to erase the account, and
// check the deletion receipt it returns: signed with the pinned access-log key and included in
// a checkpoint consistent with what this device saw before.
import { merkleLeafHash, openNote, verifyInclusion } from '@candor/transparency'
import { signDetached } from '@candor/crypto'
import {
  CandorError,
  accountDeletionStatement,
  challengeResponseSchema,
  deletionReceiptResponseSchema,
  fromBase64Url,
  toBase64Url,
  utf8,
  type DeletionReceiptResponse,
} from '@candor/protocol'
import type { DataApi } from './data-api.ts'
import type { AccessLogTracker } from './access-log-tracker.ts'

/** Where a device whose account was erased keeps the deletion receipt. */
export const DELETION_RECEIPT_KEY = 'account/deletion-receipt'

export interface DeletionReceipt extends DeletionReceiptResponse {
  /** The signed statement's text, checked. */
  text: string
}

/** The device asking: it signs the deletion over the server's fresh challenge. */
export interface ErasingDevice {
  userId: string
  deviceId: string
  secretKey: Uint8Array
}

export async function requestErasure(api: DataApi, tracker: AccessLogTracker, device: ErasingDevice): Promise<DeletionReceipt> {
  const { userId } = device
  // Pin the log key and record where the log stands before the account is gone.
  await tracker.refresh()
  const verifier = await tracker.verifier()
  const { challenge } = await api.call(challengeResponseSchema, 'POST', '/v1/account/delete/challenge', { body: {} })
  const signature = toBase64Url(signDetached(device.secretKey, accountDeletionStatement(userId, device.deviceId, challenge)))
  const res = await api.call(deletionReceiptResponseSchema, 'POST', '/v1/account/delete', { body: { confirm: userId, challenge, signature } })
  const opened = openNote(res.receipt, [verifier])
  const fail = (why: string) => new CandorError('receipt_invalid', `the deletion receipt does not check: ${why}`)
  if (!opened) throw fail('it is not signed by the access-log key')
  if (!opened.text.startsWith('candor account deletion v1\n') || !opened.text.includes(`\nuser ${userId}\n`)) throw fail('it is not about this account')
  // The account is gone, so the checkpoint's consistency with what this device saw is checked
  // against the server's public endpoints, which need no session.
  const cp = await tracker.accept(res.checkpoint)
  const proof = res.proof.map((p) => fromBase64Url(p) ?? new Uint8Array())
  if (!verifyInclusion(res.index, cp.size, merkleLeafHash(utf8(opened.text)), proof, cp.rootHash)) throw fail('it is not in the signed access log')
  return { ...res, text: opened.text }
}
