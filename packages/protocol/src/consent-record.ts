// Consent records, in the spirit of ISO/IEC TS 27560: who (the person and the device that
// signed), what purpose and scope, given or withdrawn, when, and for which controller. The
// device signs the exact UTF-8 bytes of the record's JSON text; the server stores the text and
// signature as they are and hands them back to every device of the person.
import { z } from 'zod'
import { deviceIdSchema, opaqueIdSchema, publicKeySchema, signatureSchema, timestampSchema, userIdSchema } from './field-schemas.ts'


export const CONSENT_PURPOSES = ['device_enrolment', 'compliance_archive', 'contact_discovery', 'data_export', 'support_access', 'history_transfer'] as const
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number]

export const consentRecordSchema = z.strictObject({
  v: z.literal(1),
  id: opaqueIdSchema,
  userId: userIdSchema,
  deviceId: deviceIdSchema,
  /** The signing device's Ed25519 key, base64url. */
  deviceKey: publicKeySchema,
  purpose: z.enum(CONSENT_PURPOSES),
  /** What the consent is about: a device id, a conversation id, a list name… */
  scope: z.string().min(1).max(256),
  state: z.enum(['given', 'withdrawn']),
  /** The controller the consent is given to (the server's URL). */
  controller: z.string().min(1).max(256),
  at: timestampSchema,
})
/** A record as a device writes it; parsing it gives the branded form (z.output). */
export type ConsentRecord = z.input<typeof consentRecordSchema>

export const postConsentRequest = z.strictObject({
  record: z.string().min(1).max(4096),
  signature: signatureSchema,
})

export const consentsResponseSchema = z.strictObject({
  consents: z.array(z.strictObject({ seq: z.number().int(), record: z.string(), signature: z.string(), at: z.number().int() })).max(100_000),
})
export type ConsentsResponse = z.infer<typeof consentsResponseSchema>
