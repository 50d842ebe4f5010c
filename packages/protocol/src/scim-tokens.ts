// SCIM provisioning tokens (docs/organisations.md §SCIM): an organisation's owner creates a
// bearer token for its identity provider; the server answers it once and keeps only its digest.
import { sha256 } from '@noble/hashes/sha2.js'
import { z } from 'zod'
import { concatBytes, randomBytes, toBase64Url, utf8 } from './bytes.ts'

/** `scim_` and 32 random bytes as base64url: what an identity provider sends as `Authorization: Bearer …`. */
export const SCIM_TOKEN_PATTERN = /^scim_[A-Za-z0-9_-]{43}$/

export function newScimToken(): string {
  return `scim_${toBase64Url(randomBytes(32))}`
}

const TOKEN_DOMAIN = utf8('candor/scim-token/v1\n')
const RETURN_DOMAIN = utf8('candor/scim-return/v1\n')

/** What a store keeps of a SCIM token: SHA-256 under its own label, base64url. */
export function scimTokenDigest(token: string): string {
  return toBase64Url(sha256(concatBytes(TOKEN_DOMAIN, utf8(token))))
}

/**
 * What a store keeps, once an account is erased, of the organisation's provisioning of it, so the
 * organisation may bring back the same person (same externalId) under the reserved id and no one else.
 */
export function scimReturnDigest(org: string, userId: string, externalId: string): string {
  return toBase64Url(sha256(concatBytes(RETURN_DOMAIN, utf8(JSON.stringify([org, userId, externalId])))))
}

export const scimTokenInfoSchema = z.strictObject({
  id: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
})
export type ScimTokenInfo = z.infer<typeof scimTokenInfoSchema>
/** The answer to creating a token: the token itself, shown this once. */
export const createdScimTokenSchema = scimTokenInfoSchema.extend({ token: z.string().regex(SCIM_TOKEN_PATTERN) })
export type CreatedScimToken = z.infer<typeof createdScimTokenSchema>
export const scimTokenListSchema = z.strictObject({ tokens: z.array(scimTokenInfoSchema) })
export type ScimTokenList = z.infer<typeof scimTokenListSchema>
