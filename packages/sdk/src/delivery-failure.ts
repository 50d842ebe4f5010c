// The one place that decides what a failure to process a delivery means (docs/protocol.md §6,
// the acknowledgement rule). Transient: nothing was decided about the message — the network or
// the server did not answer, the key directory could not be asked or gave no answer this device
// can check, the device's own storage failed — so it stays unacknowledged and is retried.
// Permanent: this device can never process it — it is malformed, for an epoch whose keys are
// gone (or one this device never reached), it does not decrypt or verify, a credential in it
// was judged invalid by a directory that answered, or its content is invalid — so it is
// acknowledged, shown in the conversation and reported to its sender.
//
// Anything not known to be transient is permanent: an unknown error shown to both sides is
// visible, while one retried for ever would let a single bad message stop a conversation.
import { CandorError, type ErrorCode, type UndecryptableContent } from '@candor/protocol'
import { isCredentialRejection } from '@candor/crypto'

export type UndecryptableReason = UndecryptableContent['reason']

export type FailureVerdict = { transient: true } | { transient: false; reason: UndecryptableReason }

/**
 * Codes that say the answer is not in yet. `internal` is a server's own failure (or a local
 * store's record that failed to read back), `directory_proof_invalid` a directory answer that
 * does not verify — neither judges the message; `unauthenticated`/`token_expired` a session to
 * renew.
 */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'unavailable',
  'rate_limited',
  'backpressure',
  'access_log_unavailable',
  'internal',
  'directory_proof_invalid',
  'unauthenticated',
  'token_expired',
])

export interface FailureFacts {
  /** The epoch in the message's header (null when it has none or does not decode). */
  messageEpoch: number | null
  /** This device's epoch of the group (null when it holds no state for it). */
  ownEpoch: number | null
}

/** True for an error that decides nothing: the same request or processing may succeed later. */
export function isTransient(e: unknown): boolean {
  return e instanceof CandorError && TRANSIENT.has(e.code)
}

export function classifyFailure(e: unknown, facts: FailureFacts): FailureVerdict {
  if (isTransient(e)) return { transient: true }
  if (isCredentialRejection(e)) return { transient: false, reason: 'invalid_credential' }
  const { messageEpoch, ownEpoch } = facts
  if (messageEpoch !== null && ownEpoch !== null && messageEpoch !== ownEpoch) return { transient: false, reason: 'epoch_unavailable' }
  return { transient: false, reason: 'decrypt_failed' }
}
