// Organisations (tenants) on the wire: their roles, sign-up modes and the admin API's bodies.
// What each role may do is one table in the server (packages/server/src/organisations/roles.ts,
// and docs/organisations.md); here are only the names clients and server agree on.
import { z } from 'zod'
import { parseOrgId } from './ids.ts'
import { parseDomain } from './user-id.ts'
import { stringField, userIdSchema } from './field-schemas.ts'

/** Roles within one organisation; an admin record holds one of them, or `operator` (the server's). */
export const ORG_ROLES = ['owner', 'admin', 'compliance_officer', 'support', 'auditor'] as const
export type OrgRole = (typeof ORG_ROLES)[number]
/** `operator` runs the server: it creates organisations and verifies their domains (docs/organisations.md). */
export const ADMIN_ROLES = ['operator', ...ORG_ROLES] as const
export type AdminRole = (typeof ADMIN_ROLES)[number]

/**
 * Who may register through an organisation's sign-up: anyone, as a member (`open`); anyone, as a
 * guest (`guests`); nobody (`closed`: people come in another way — SCIM, SSO, next).
 */
export const SIGNUP_MODES = ['open', 'guests', 'closed'] as const
export type SignupMode = (typeof SIGNUP_MODES)[number]

export const orgIdSchema = stringField(parseOrgId, 63)
export const domainSchema = stringField(parseDomain, 253)
const orgNameSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters')

/** `POST /v1/orgs` (operator). */
export const createOrganisationRequest = z.strictObject({
  id: orgIdSchema,
  name: orgNameSchema,
  signup: z.enum(SIGNUP_MODES).optional(),
})
/** `POST /v1/orgs/:org/domains` (operator): a domain the operator checked belongs to the organisation. */
export const addDomainRequest = z.strictObject({ domain: domainSchema })
/** `POST /v1/orgs/:org/signup`. */
export const setSignupRequest = z.strictObject({ signup: z.enum(SIGNUP_MODES) })

export const organisationSchema = z.strictObject({
  id: orgIdSchema,
  name: z.string(),
  signup: z.enum(SIGNUP_MODES),
  domains: z.array(z.string()),
  createdAt: z.number().int(),
})
export type OrganisationInfo = z.infer<typeof organisationSchema>

/** `POST /v1/orgs/:org/domains` answers the organisation and how many people of the domain are in other organisations (they stay there). */
export const addDomainResponse = z.strictObject({
  organisation: organisationSchema,
  elsewhere: z.number().int().nonnegative(),
})

export const organisationMembersResponse = z.strictObject({
  members: z.array(
    z.strictObject({
      userId: userIdSchema,
      guest: z.boolean(),
      role: z.enum(ADMIN_ROLES).nullable(),
    }),
  ),
  /** Pass as `after` for the next page; null on the last. */
  next: z.string().nullable(),
})
export type OrganisationMembers = z.infer<typeof organisationMembersResponse>

