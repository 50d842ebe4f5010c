// HTTP bodies of recovery (docs/protocol.md §4.2): setting the recovery key, approving a device
// with it, and the sealed history archives (history transfers and the backup).
import { z } from 'zod'
import { CandorError } from './errors.ts'
import { parseDeviceId, type DeviceId } from './ids.ts'
import { RECOVERY_APPROVER } from './signed-statements.ts'
import { publicKeySchema, signatureSchema, stringField } from './field-schemas.ts'

/** Who an archive is sealed to: a device of the person, or their recovery key (`recovery`, the backup). */
export type ArchiveRecipientId = DeviceId | typeof RECOVERY_APPROVER

export function parseArchiveRecipient(v: unknown, field = 'recipient'): ArchiveRecipientId {
  if (v === RECOVERY_APPROVER) return RECOVERY_APPROVER
  try {
    return parseDeviceId(v, field)
  } catch (e) {
    if (e instanceof CandorError) throw new CandorError('bad_request', `${field}: must be a device id or "recovery"`)
    throw e
  }
}

export const setRecoveryKeyRequest = z.strictObject({
  /** The new recovery key's public half. */
  publicKey: publicKeySchema,
  /** The key it replaces (the current one), null for the first. */
  previous: publicKeySchema.nullable(),
  /** The calling device's signature over recoveryKeyStatement(user, device, publicKey, previous). */
  signature: signatureSchema,
  /** The recovery key's own signature over the same statement: whoever sets it holds it. */
  proof: signatureSchema,
})
export type SetRecoveryKeyRequest = z.input<typeof setRecoveryKeyRequest>
export interface RecoveryKeyResponse {
  userId: string
  publicKey: string
  setBy: string
  setAt: number
}

/** The recovery key's signature over approvalStatement("recovery", user, the new device's key). */
export const recoverRequest = z.strictObject({ signature: signatureSchema })

export const createArchiveRequest = z.strictObject({
  recipient: stringField(parseArchiveRecipient, 22),
  /** The sealed archive's length in bytes (1 to LIMITS.archiveBytes). */
  size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
})
export type CreateArchiveRequest = z.input<typeof createArchiveRequest>

export interface ArchiveInfo {
  archiveId: string
  recipient: string
  sender: string
  size: number
  received: number
  complete: boolean
  createdAt: number
}
