// Formats of the organisation policies about people's devices and data (docs/organisations.md
// "Policies", docs/protocol.md §8.3): devices held for an admin's approval
// (`devices.adminApproval`), and a person's own export or erasure waiting for an admin's approval
// (`dataRights`).
import { z } from 'zod'
import { userIdSchema } from './field-schemas.ts'

/** A device the person's own device approved, held until an admin of their organisation approves it too. */
export const heldDeviceSchema = z.strictObject({
  deviceId: z.string(),
  userId: userIdSchema,
  name: z.string(),
  createdAt: z.number().int(),
})
export type HeldDevice = z.infer<typeof heldDeviceSchema>
export const heldDevicesResponse = z.strictObject({ org: z.string(), devices: z.array(heldDeviceSchema) })
export type HeldDevices = z.infer<typeof heldDevicesResponse>

/** What a person asks their organisation to approve (where its policy's `dataRights` says `approval`). */
export const DATA_RIGHTS = ['export', 'deletion'] as const
export type DataRight = (typeof DATA_RIGHTS)[number]
/** The approval action of each (stored with two-person control's requests). */
export const dataRightAction = (r: DataRight): string => `data.${r}`

export const dataRightRequestSchema = z.strictObject({ right: z.enum(DATA_RIGHTS) })

/** One of the person's requests, as they see it. */
export const dataRightStatusSchema = z.strictObject({
  right: z.enum(DATA_RIGHTS),
  /** `allowed`: the policy needs no approval; `pending`: asked, not yet approved; `approved`: may go ahead (once, until `expiresAt`); `none`: not asked. */
  state: z.enum(['allowed', 'none', 'pending', 'approved']),
  /** The request's id (an approval id), when one is open. */
  id: z.string().nullable(),
  expiresAt: z.number().int().nullable(),
})
export type DataRightStatus = z.infer<typeof dataRightStatusSchema>
/** One of the person's own data-rights requests, open or ended (newest first in `requests`). */
export const dataRightRequestInfoSchema = z.strictObject({
  id: z.string(),
  right: z.enum(DATA_RIGHTS),
  /** `withdrawn`: the person withdrew it; `used`: the export or erasure used it up; `ended`: declined by an admin or expired unused. */
  state: z.enum(['pending', 'approved', 'used', 'withdrawn', 'ended']),
  requestedAt: z.number().int(),
  expiresAt: z.number().int(),
  /** When it was withdrawn, used, declined or expired; null while open. */
  endedAt: z.number().int().nullable(),
})
export type DataRightRequestInfo = z.infer<typeof dataRightRequestInfoSchema>
export const dataRightsResponse = z.strictObject({ org: z.string(), rights: z.array(dataRightStatusSchema), requests: z.array(dataRightRequestInfoSchema) })
export type DataRightsResponse = z.infer<typeof dataRightsResponse>
/** A data-rights request's id as it appears in a path (an approval id: 16 random bytes, base64url). */
export const DATA_RIGHT_ID = /^[A-Za-z0-9_-]{22}$/
/** The answer to the person withdrawing their own pending request: it has ended, never approved or used. */
export const dataRightWithdrawnSchema = z.strictObject({
  right: z.enum(DATA_RIGHTS),
  state: z.literal('withdrawn'),
  id: z.string(),
  withdrawnAt: z.number().int(),
})
export type DataRightWithdrawn = z.infer<typeof dataRightWithdrawnSchema>

/** Days since 1970-01-01 (UTC) of a time in ms: the only grain a device's last-seen time is kept at. */
export const dayOf = (ms: number): number => Math.floor(ms / 86_400_000)
