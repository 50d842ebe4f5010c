// Directory-linked conversations (docs/protocol.md §5.9): a conversation follows a SCIM group of
// its organisation. The SCIM group id is the server's SCIM resource id (12 random bytes,
// base64url: 16 characters); the members' notice carries at most DIRECTORY_NOTICE_MAX ids a list.
import { z } from 'zod'
import { fieldError } from './field-error.ts'
import { groupIdSchema, stringField, timestampSchema, userIdSchema } from './field-schemas.ts'

const SCIM_ID = /^[A-Za-z0-9_-]{16}$/

/** A SCIM resource id (a Group's), as the server assigns them. */
export function parseScimGroupId(v: unknown, field = 'scimGroupId'): string {
  if (typeof v !== 'string' || !SCIM_ID.test(v)) throw fieldError(field, 'must be a SCIM Group id (16 base64url characters)')
  return v
}

/** User ids per list of one `directory_members` notice; more go in further notices. */
export const DIRECTORY_NOTICE_MAX = 100

/** PUT /v1/orgs/:org/directory-links/:groupId. */
export const directoryLinkRequestSchema = z.strictObject({ scimGroupId: stringField(parseScimGroupId, 16) })

export const directoryLinkSchema = z.strictObject({
  groupId: groupIdSchema,
  scimGroupId: stringField(parseScimGroupId, 16),
  displayName: z.string().max(256),
  linkedBy: userIdSchema,
  linkedAt: timestampSchema,
})
export type DirectoryLink = z.infer<typeof directoryLinkSchema>
/** DELETE /v1/orgs/:org/directory-links/:groupId. */
export const directoryUnlinkSchema = z.strictObject({ unlinked: z.literal(true) })
export const directoryLinkListSchema = z.strictObject({ links: z.array(directoryLinkSchema) })

/** GET /v1/groups/:groupId/directory-link: what a member of the conversation sees. */
export const groupDirectoryLinkSchema = z.strictObject({
  org: z.string().max(63),
  scimGroupId: stringField(parseScimGroupId, 16),
  displayName: z.string().max(256),
})
export type GroupDirectoryLink = z.infer<typeof groupDirectoryLinkSchema>
export const groupDirectoryLinkResponseSchema = z.strictObject({ link: groupDirectoryLinkSchema.nullable() })
export type GroupDirectoryLinkResponse = z.infer<typeof groupDirectoryLinkResponseSchema>
