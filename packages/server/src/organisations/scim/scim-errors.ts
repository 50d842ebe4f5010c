// SCIM error responses (RFC 7644 §3.12): `application/scim+json`, the Error message schema, the
// HTTP status as a string, and a `scimType` where the RFC names one.
import { CandorError } from '@candor/protocol'

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8'

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive'

export class ScimError extends Error {
  readonly status: number
  readonly scimType: ScimType | undefined

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail)
    this.name = 'ScimError'
    this.status = status
    this.scimType = scimType
  }
}

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA]
  status: string
  scimType?: ScimType
  detail: string
}

export function scimErrorBody(e: ScimError): ScimErrorBody {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(e.status), ...(e.scimType ? { scimType: e.scimType } : {}), detail: e.message }
}

/** Any thrown value as a SCIM error: Candor's codes keep their status; Fastify's body errors are bad syntax. */
export function toScimError(err: unknown): ScimError | null {
  if (err instanceof ScimError) return err
  if (err instanceof CandorError) return new ScimError(err.status, err.message, err.status === 400 ? 'invalidValue' : undefined)
  const e = err as { statusCode?: number; code?: string; message?: string }
  if (e && typeof e === 'object') {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ScimError(413, 'request body is too large')
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ScimError(415, 'content type must be application/scim+json or application/json')
    if (e.statusCode === 400) return new ScimError(400, e.message ?? 'bad request', 'invalidSyntax')
  }
  return null
}
