// Single sign-on (OpenID Connect) on the wire: an organisation's identity-provider settings as
// its owner or admin sets and reads them, the sign-in ticket a successful sign-in yields, and the
// device flow's answers (docs/organisations.md "Single sign-on", docs/protocol.md §4.6).
import { z } from 'zod'
import { domainSchema, orgIdSchema } from './organisations.ts'
import { userIdSchema } from './field-schemas.ts'

/** A sign-in ticket: opaque to clients, at most this long. */
export const SSO_TICKET_MAX_LENGTH = 2048
export const ssoTicketSchema = z.string().min(1).max(SSO_TICKET_MAX_LENGTH).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a sign-in ticket')

/** Bounds of the re-authentication interval (ms): five minutes to 30 days. */
export const SSO_REAUTH_MIN_MS = 5 * 60_000
export const SSO_REAUTH_MAX_MS = 30 * 24 * 3_600_000

const httpsUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s)
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash && !u.username && !u.password
    } catch {
      return false
    }
  }, 'must be an http(s) URL without query, fragment or credentials')

/** `PUT /v1/orgs/:org/sso`: the whole settings; the client secret is required only the first time (absent: keep the stored one). */
export const ssoSettingsRequest = z.strictObject({
  issuer: httpsUrl,
  clientId: z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  clientSecret: z.string().min(1).max(1024).regex(/^[\x20-\x7e]+$/, 'must be printable ASCII').optional(),
  allowedDomains: z.array(domainSchema).min(1).max(50),
  groupsClaim: z.string().min(1).max(64).regex(/^[A-Za-z0-9_:./-]+$/, 'must be a claim name').nullable().optional(),
  requireSso: z.boolean(),
  reauthMinutes: z.number().int().min(SSO_REAUTH_MIN_MS / 60_000).max(SSO_REAUTH_MAX_MS / 60_000),
})
export type SsoSettingsRequest = z.input<typeof ssoSettingsRequest>

/** `GET`/`PUT /v1/orgs/:org/sso` answer: the settings without the secret (only whether one is set), or null. */
export const ssoSettingsResponse = z.strictObject({
  org: orgIdSchema,
  sso: z
    .strictObject({
      issuer: z.string(),
      clientId: z.string(),
      clientSecretSet: z.literal(true),
      allowedDomains: z.array(z.string()),
      groupsClaim: z.string().nullable(),
      requireSso: z.boolean(),
      reauthMinutes: z.number().int(),
      redirectUri: z.string(),
      backchannelLogoutUri: z.string(),
      updatedAt: z.number().int(),
    })
    .nullable(),
})
export type SsoSettingsResponse = z.infer<typeof ssoSettingsResponse>

/** The answer of a successful sign-in (callback or device poll). */
export const ssoSignInResponse = z.strictObject({
  status: z.literal('signed_in'),
  org: orgIdSchema,
  userId: userIdSchema,
  email: z.string(),
  ticket: ssoTicketSchema,
  expiresAt: z.number().int(),
  /** Whether the user exists: register if not, else enrol a device or sign in with the ticket. */
  registered: z.boolean(),
  /** The person's groups, from the claim the organisation named (empty without one). */
  groups: z.array(z.string()),
})
export type SsoSignInResponse = z.infer<typeof ssoSignInResponse>

/** `POST /v1/orgs/:org/sso/device`: show `userCode` and `verificationUri`, then poll with `handle`. */
export const ssoDeviceStartResponse = z.strictObject({
  handle: z.string(),
  userCode: z.string(),
  verificationUri: z.string(),
  verificationUriComplete: z.string().nullable(),
  expiresAt: z.number().int(),
  interval: z.number().int(),
})
export type SsoDeviceStartResponse = z.infer<typeof ssoDeviceStartResponse>

export const ssoDevicePollRequest = z.strictObject({ handle: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) })
export const ssoDevicePollResponse = z.union([z.strictObject({ status: z.literal('pending') }), ssoSignInResponse])
export type SsoDevicePollResponse = z.infer<typeof ssoDevicePollResponse>
