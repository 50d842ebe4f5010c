// Consent records, in the spirit of ISO/IEC TS 27560: who (the person and the device that
// signed), what purpose and scope, given or withdrawn, when, and for which controller. The
// device signs the exact UTF-8 bytes of the record's JSON text; the server stores the text and
// signature as they are and hands them back to every device of the person.
import { z } from 'zod'
import { OPAQUE_ID_PATTERN, USER_ID_PATTERN } from './ids.ts'

export const CONSENT_PURPOSES = ['device_enrolment', 'compliance_archive', 'contact_discovery', 'data_export', 'support_access'] as const
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number]

export const consentRecordSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(OPAQUE_ID_PATTERN),
  userId: z.string().regex(USER_ID_PATTERN),
  deviceId: z.string().regex(OPAQUE_ID_PATTERN),
  /** The signing device's Ed25519 key, base64url. */
  deviceKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  purpose: z.enum(CONSENT_PURPOSES),
  /** What the consent is about: a device id, a conversation id, a list name… */
  scope: z.string().min(1).max(256),
  state: z.enum(['given', 'withdrawn']),
  /** The controller the consent is given to (the server's URL). */
  controller: z.string().min(1).max(256),
  at: z.number().int().nonnegative(),
})
export type ConsentRecord = z.infer<typeof consentRecordSchema>

export const postConsentRequest = z.strictObject({
  record: z.string().min(1).max(4096),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
})

export const consentsResponseSchema = z.strictObject({
  consents: z.array(z.strictObject({ seq: z.number().int(), record: z.string(), signature: z.string(), at: z.number().int() })).max(100_000),
})
export type ConsentsResponse = z.infer<typeof consentsResponseSchema>
