// Consent to be contacted (docs/protocol.md §5.5): the HTTP bodies of contact requests, contacts,
// blocks and an organisation's contact policy.
import { z } from 'zod'
import { groupIdSchema, opaqueIdSchema, timestampSchema, userIdSchema } from './field-schemas.ts'
import { parseOpaqueId } from './ids.ts'

/** A contact request's id: 16 random bytes, canonical base64url. */
export function parseRequestId(v: unknown, field = 'requestId'): string {
  return parseOpaqueId(v, field)
}

/** One pending request, as its recipient sees it: who, in which conversation, how much is held. */
export const contactRequestSchema = z.strictObject({
  requestId: opaqueIdSchema,
  from: userIdSchema,
  groupId: groupIdSchema,
  /** Messages held for it, the welcome included. */
  held: z.number().int().nonnegative(),
  createdAt: timestampSchema,
})
export type ContactRequestInfo = z.infer<typeof contactRequestSchema>

/** `GET /v1/requests`. */
export const contactRequestsResponse = z.strictObject({ requests: z.array(contactRequestSchema) })
export type ContactRequestsResponse = z.infer<typeof contactRequestsResponse>

/** `POST /v1/requests/:id/accept` and `/decline`. */
export const settleRequestResponse = z.strictObject({ requestId: opaqueIdSchema, state: z.enum(['accepted', 'declined']), delivered: z.number().int().nonnegative() })
export type SettleRequestResponse = z.infer<typeof settleRequestResponse>

/** `GET /v1/blocks`. */
export const blocksResponse = z.strictObject({ blocks: z.array(z.strictObject({ userId: userIdSchema, at: timestampSchema })) })
export type BlocksResponse = z.infer<typeof blocksResponse>

/** `PUT /v1/blocks` (the user to block; `PUT /v1/blocks/:userId` says the same in its path). */
export const blockRequest = z.strictObject({ userId: userIdSchema })

/** `POST /v1/orgs/:org/contact-policy`: whether the organisation's own members need requests from one another. */
export const contactPolicyRequest = z.strictObject({ requestsInside: z.boolean() })
export const contactPolicyResponse = z.strictObject({ org: z.string(), requestsInside: z.boolean() })
export type ContactPolicyResponse = z.infer<typeof contactPolicyResponse>

/** `PUT /v1/contacts/:userId`. */
export const addContactResponse = z.strictObject({ userId: userIdSchema, added: z.boolean() })
/** `PUT /v1/blocks[/:userId]` and `DELETE /v1/blocks/:userId`. */
export const blockResponse = z.strictObject({ userId: userIdSchema, blocked: z.boolean(), added: z.boolean().optional() })
