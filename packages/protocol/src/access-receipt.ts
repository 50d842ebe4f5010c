// Access receipts: what the server tells a person about an access to their data by someone who
// is not a participant. The receipt is sealed (HPKE) to each of the subject's devices and the
// sealed envelope is what the access log's leaf commits to, so the public log reveals nothing.
import { z } from 'zod'
import { base64UrlLength, parseBase64Url, parseFixedBytes } from './binary-fields.ts'
import { caseRefSchema, challengeSchema, deviceIdSchema, justificationSchema, opaqueIdSchema, signatureSchema, stringField, timestampSchema, userIdSchema } from './field-schemas.ts'

// Receipts name the accessor's role. 'org_admin', 'legal_hold' and 'export' are read in receipts
// written before organisations had roles (organisations.ts); 'owner', 'admin' and 'auditor' are
// organisation roles written since.
export const ACCESSOR_ROLES = ['operator', 'org_admin', 'compliance_officer', 'legal_hold', 'support', 'export', 'owner', 'admin', 'auditor'] as const
export type AccessorRole = (typeof ACCESSOR_ROLES)[number]

export const DATA_CATEGORIES = [
  'account_metadata',
  'device_list',
  'group_membership',
  'queue',
  'key_packages',
  'server_export',
  'device_status',
  /** Messages kept by the organisation's compliance archive (an unlock opens them; a legal hold keeps them). */
  'archived_messages',
] as const
export type DataCategory = (typeof DATA_CATEGORIES)[number]

const time = timestampSchema
/** A 32-byte value (an X25519 share, a Merkle hash) in canonical base64url. */
const bytes32 = stringField((v, field) => parseFixedBytes(v, field, 32) as string, base64UrlLength(32))
const base64Url = (maxBytes: number) => stringField((v, field) => parseBase64Url(v, field, maxBytes) as string, base64UrlLength(maxBytes))

export const accessReceiptSchema = z.strictObject({
  v: z.literal(1),
  /** Random id of this receipt (16 bytes, base64url). */
  id: opaqueIdSchema,
  /** Whose data; inside the ciphertext only, never in the clear. */
  subject: userIdSchema,
  accessor: z.strictObject({
    role: z.enum(ACCESSOR_ROLES),
    /** Stable per accessor (an HMAC of their id under a server key), never their id itself. */
    pseudonym: z.string().min(1).max(64),
    org: z.string().min(1).max(128),
  }),
  what: z.strictObject({
    categories: z.array(z.enum(DATA_CATEGORIES)).min(1).max(16),
    // Room for a prefix and the longest user id (254): "user:<id>/devices".
    resources: z.array(z.string().min(1).max(512)).max(64),
  }),
  why: z.strictObject({
    code: justificationSchema,
    caseRef: caseRefSchema,
  }),
  /** The access window, ms since the epoch. */
  when: z.strictObject({ from: time, to: time }),
  /** Whether the subject approved beforehand, was notified, or notice is delayed until a date. */
  notice: z.strictObject({
    approvedBySubject: z.boolean(),
    notified: z.boolean(),
    delayedUntil: time.nullable(),
  }),
  loggedAt: time,
})
/** A receipt as its writer builds it; parsing it gives the branded form (z.output). */
export type AccessReceipt = z.input<typeof accessReceiptSchema>

/** One device's HPKE-sealed copy of a receipt (base64url fields). */
export const sealedCopySchema = z.strictObject({
  device: deviceIdSchema,
  enc: bytes32,
  ct: base64Url(6144),
})
/** The bytes an access-log leaf commits to: UTF-8 JSON of this shape. */
export const receiptEnvelopeSchema = z.strictObject({
  v: z.literal(1),
  copies: z.array(sealedCopySchema).max(64),
})
export type ReceiptEnvelope = z.infer<typeof receiptEnvelopeSchema>

/** HPKE info for sealing receipts; the AAD is the recipient device id. */
export const RECEIPT_HPKE_INFO = 'candor/access-receipt/v1'

/** GET /v1/access-log: the log's public parameters and its latest signed checkpoint. */
export const accessLogInfoSchema = z.strictObject({
  origin: z.string().min(1).max(256),
  verifierKey: z.string().min(1).max(512),
  checkpoint: z.string().min(1).max(16_384),
})
export type AccessLogInfo = z.infer<typeof accessLogInfoSchema>

/**
 * GET /v1/access-receipts: the caller's readable receipts, each with an inclusion proof and its
 * position in the tally their key-directory entry commits to (null while not yet committed),
 * and the salt of that commitment (receiptsCommitment).
 */
export const accessReceiptsResponseSchema = z.strictObject({
  checkpoint: z.string().min(1).max(16_384),
  salt: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  receipts: z
    .array(
      z.strictObject({
        index: z.number().int().nonnegative(),
        envelope: base64Url(750_000),
        proof: z.array(bytes32).max(64),
        position: z.number().int().positive().nullable(),
      }),
    )
    .max(10_000),
})
export type AccessReceiptsResponse = z.infer<typeof accessReceiptsResponseSchema>

export const consistencyResponseSchema = z.strictObject({
  proof: z.array(bytes32).max(64),
})

/**
 * POST /v1/account/delete: the caller confirms by naming their own user id, and its device signs
 * `accountDeletionStatement` over a challenge from POST /v1/account/delete/challenge.
 */
export const deleteAccountRequest = z.strictObject({ confirm: userIdSchema, challenge: challengeSchema, signature: signatureSchema })
export type DeleteAccountRequest = z.input<typeof deleteAccountRequest>

/** The server-signed deletion receipt (a C2SP signed note by the access-log key) and its log proof. */
export const deletionReceiptResponseSchema = z.strictObject({
  receipt: z.string().min(1).max(16_384),
  index: z.number().int().nonnegative(),
  checkpoint: z.string().min(1).max(16_384),
  proof: z.array(bytes32).max(64),
  erased: z.strictObject({
    devices: z.number().int(),
    queued: z.number().int(),
    keyPackages: z.number().int(),
    memberships: z.number().int(),
    sentMessages: z.number().int(),
    accessReceipts: z.number().int(),
  }),
})
export type DeletionReceiptResponse = z.infer<typeof deletionReceiptResponseSchema>
