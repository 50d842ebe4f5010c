// One error type with a stable code from a closed union. The mapping to HTTP statuses lives
// here so client and server agree on it.
export const ERROR_STATUS = {
  bad_request: 400,
  malformed_frame: 400,
  body_too_large: 413,
  frame_too_large: 413,
  unauthenticated: 401,
  bad_signature: 401,
  token_expired: 401,
  forbidden: 403,
  device_revoked: 403,
  not_found: 404,
  unknown_user: 404,
  unknown_device: 404,
  unknown_group: 404,
  not_member: 403,
  conflict: 409,
  user_exists: 409,
  /** A user id that belonged to an erased account: never handed out again. */
  user_id_reserved: 409,
  stale_epoch: 409,
  duplicate: 409,
  no_key_package: 409,
  /** A blob append not at the bytes received so far; details.received says where to resume. */
  wrong_offset: 409,
  /** A blob read or completed before all its declared bytes arrived. */
  blob_incomplete: 409,
  /**
   * A new blob would take its uploader past their storage quota (details `{ quota, used }`), or a
   * message past a bound on what contact requests hold (LIMITS.heldPer*; details `{ limit, per }`).
   * Nothing was stored.
   */
  quota_exceeded: 413,
  invalid_key_package: 400,
  invalid_mls_message: 400,
  rate_limited: 429,
  directory_proof_invalid: 502,
  backpressure: 503,
  unavailable: 503,
  access_log_unavailable: 503,
  receipt_invalid: 502,
  /** An organisation's policy whose signature or audit-log proof failed on the client: it is not applied. */
  policy_invalid: 502,
  /** An invite link that expired, was revoked or was used as often as its creator allowed (details.reason). */
  invite_invalid: 410,
  internal: 500,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, s)
}

export class CandorError extends Error {
  readonly code: ErrorCode
  /** Extra machine-readable facts, e.g. the current epoch for stale_epoch. */
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CandorError'
    this.code = code
    this.details = options?.details
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> }
}
