// The compliance API (docs/protocol.md §11.6–11.9): the archive key's signed record and the
// officers' sealed shares, case-scoped unlock requests and the officers' signed approvals, the
// export's audit entry, and legal holds. One schema per body; sizes capped.
import { z } from 'zod'
import { base64UrlLength, parseBase64Url, parseFixedBytes } from './binary-fields.ts'
import { caseRefSchema, deviceIdSchema, groupIdSchema, justificationSchema, signatureSchema, stringField, timestampSchema, userIdSchema } from './field-schemas.ts'

const bytes32 = stringField((v, field) => parseFixedBytes(v, field, 32) as string, base64UrlLength(32))
const b64 = (maxBytes: number) => stringField((v, field) => parseBase64Url(v, field, maxBytes) as string, base64UrlLength(maxBytes))
/** A sealed box (HPKE enc ‖ ct); a share is 33 bytes, its ciphertext 49. */
const sealedBox = { enc: bytes32, ct: b64(256) }
export const MAX_OFFICER_DEVICES = 32

export const archiveKeyRecordSchema = z.strictObject({
  v: z.literal(1),
  org: z.string().min(1).max(128),
  version: z.number().int().min(1).max(1_000_000),
  archiveKey: bytes32,
  exportKey: bytes32,
  k: z.number().int().min(1).max(MAX_OFFICER_DEVICES),
  n: z.number().int().min(1).max(MAX_OFFICER_DEVICES),
  officers: z.array(z.strictObject({ user: userIdSchema, device: deviceIdSchema })).min(1).max(MAX_OFFICER_DEVICES),
  createdAt: timestampSchema,
})

export const sealedShareSchema = z.strictObject({ user: userIdSchema, device: deviceIdSchema, ...sealedBox })

/** PUT /v1/orgs/:org/compliance/keys: a key ceremony's result, signed by the ceremony's device. */
export const archiveKeyUploadSchema = z.strictObject({
  record: archiveKeyRecordSchema,
  signature: signatureSchema,
  shares: z.array(sealedShareSchema).min(1).max(MAX_OFFICER_DEVICES),
})

export const archiveKeyResponseSchema = z.strictObject({
  record: archiveKeyRecordSchema,
  /** The ceremony device's signature over the record (docs/protocol.md §11.6) and that device. */
  signature: signatureSchema,
  signedBy: z.strictObject({ user: userIdSchema, device: deviceIdSchema, publicKey: bytes32 }),
  auditIndex: z.number().int().nonnegative(),
})
export type ArchiveKeyResponse = z.infer<typeof archiveKeyResponseSchema>

export const officerDevicesResponseSchema = z.strictObject({
  officers: z.array(z.strictObject({ user: userIdSchema, device: deviceIdSchema, publicKey: bytes32 })).max(256),
})

export const unlockScopeSchema = z.strictObject({
  conversations: z.array(groupIdSchema).max(64),
  people: z.array(userIdSchema).max(64),
  from: timestampSchema,
  to: timestampSchema,
})

/** POST /v1/orgs/:org/compliance/unlocks. */
export const unlockRequestSchema = z.strictObject({
  /** `case` (default): open records in scope. `resplit`: recover the key to split it anew among the officers (empty scope, no records read). */
  purpose: z.enum(['case', 'resplit']).optional(),
  scope: unlockScopeSchema,
  why: justificationSchema,
  case: caseRefSchema,
  /** The archive key version whose shares open it; default: the latest. */
  keyVersion: z.number().int().min(1).optional(),
  ephemeralKey: bytes32,
  delayUntil: timestampSchema.optional(),
})

export const unlockApprovalSchema = z.strictObject({
  v: z.literal(1),
  org: z.string().min(1).max(128),
  request: z.string().min(1).max(64),
  requestHash: bytes32,
  keyVersion: z.number().int().min(1),
  user: userIdSchema,
  device: deviceIdSchema,
  share: z.strictObject(sealedBox),
  at: timestampSchema,
})
/** POST /v1/orgs/:org/compliance/unlocks/:id/approvals. */
export const unlockApprovalUploadSchema = z.strictObject({ approval: unlockApprovalSchema, signature: signatureSchema })

export const unlockInfoSchema = z.strictObject({
  id: z.string(),
  /** The request's exact text as filed (approvals sign its hash). */
  request: z.string(),
  requestedBy: userIdSchema,
  requestedAt: timestampSchema,
  expiresAt: timestampSchema,
  state: z.enum(['pending', 'opened', 'withdrawn']),
  k: z.number().int(),
  approvedBy: z.array(z.strictObject({ user: userIdSchema, device: deviceIdSchema, at: timestampSchema })),
})
export type UnlockInfo = z.infer<typeof unlockInfoSchema>
export const unlockListSchema = z.strictObject({ unlocks: z.array(unlockInfoSchema) })

/** POST …/unlocks/:id/open: the approvals with their re-sealed shares, once every receipt is logged. */
export const unlockOpenedSchema = z.strictObject({
  id: z.string(),
  approvals: z.array(unlockApprovalUploadSchema),
  /** How many people in scope were sent a receipt, and the audit entry of the opening. */
  receipts: z.number().int().nonnegative(),
  auditIndex: z.number().int().nonnegative(),
})

/** POST …/unlocks/:id/export: logs an export's manifest signature in the audit trail. */
export const exportLogRequestSchema = z.strictObject({ signature: signatureSchema, manifestSha256: bytes32, exportKey: bytes32 })
export const exportLogResponseSchema = z.strictObject({
  org: z.string(),
  index: z.number().int().nonnegative(),
  entry: z.string(),
  proof: z.array(bytes32).max(64),
  checkpoint: z.string(),
  verifierKey: z.string(),
})

const holdTarget = z.string().max(300).regex(/^(user|conversation):\S+$/, 'must be user:<UserId> or conversation:<GroupId>')

/** POST /v1/orgs/:org/compliance/holds. */
export const legalHoldRequestSchema = z.strictObject({
  target: holdTarget,
  case: caseRefSchema,
  /** Until when it is meant to last (informational; only a release ends it). */
  until: timestampSchema.optional(),
  /** Delays the people's notice (≤ 90 days; needs notices.delay). */
  delayUntil: timestampSchema.optional(),
})

export const legalHoldInfoSchema = z.strictObject({
  id: z.string(),
  target: z.string(),
  case: z.string(),
  until: timestampSchema.nullable(),
  placedAt: timestampSchema,
  releasedAt: timestampSchema.nullable(),
})
export type LegalHoldInfo = z.infer<typeof legalHoldInfoSchema>
export const legalHoldListSchema = z.strictObject({ holds: z.array(legalHoldInfoSchema) })

/** GET /v1/legal-holds: the holds that apply to the caller, once their notice is due. */
export const myLegalHoldsSchema = z.strictObject({
  holds: z.array(z.strictObject({ target: z.string(), case: z.string(), until: timestampSchema.nullable(), since: timestampSchema })),
})
export type MyLegalHolds = z.infer<typeof myLegalHoldsSchema>

/** GET /v1/orgs/:org/compliance/keys/share: the share sealed to the calling officer device. */
export const ownShareResponseSchema = z.strictObject({ version: z.number().int().min(1), user: userIdSchema, device: deviceIdSchema, ...sealedBox })
