// zod schemas built from the field parsers, so an HTTP body is checked by exactly the code that
// checks the same field anywhere else, and the parsed body holds the branded canonical values.
// A failing parser becomes a zod issue carrying the parser's reason; parseBody (server) puts the
// JSON path in front of it.
import { z } from 'zod'
import { CandorError } from './errors.ts'
import { fieldErrorReason } from './field-error.ts'
import { parseBase64Url, parseChallenge, parsePublicKey, parseSignature, base64UrlLength } from './binary-fields.ts'
import { parseDeviceId, parseGroupId, parseMessageId, parseOpaqueId } from './ids.ts'
import { parseJustification } from './justification.ts'
import { decimalText, parseEpoch, parseSeq, parseTimestamp } from './number-fields.ts'
import { parseCaseRef, parseDeviceName } from './text-fields.ts'
import { parseUserId } from './user-id.ts'

type Parser<T> = (v: unknown, field: string) => T

function run<T>(parse: Parser<T>) {
  return (v: unknown, ctx: z.RefinementCtx): T => {
    try {
      return parse(v, 'value')
    } catch (e) {
      if (!(e instanceof CandorError)) throw e
      ctx.addIssue({ code: 'custom', message: fieldErrorReason(e) })
      return z.NEVER
    }
  }
}

/** A string field checked by `parse`; `maxLength` caps the input before the parser runs. */
export function stringField<T>(parse: Parser<T>, maxLength: number) {
  return z.string().max(maxLength).transform(run(parse))
}

/** A number field checked by `parse`. */
export function numberField<T>(parse: Parser<T>) {
  return z.number().transform(run(parse))
}

export const userIdSchema = stringField(parseUserId, 254)
export const deviceIdSchema = stringField(parseDeviceId, 22)
export const groupIdSchema = stringField(parseGroupId, 22)
export const messageIdSchema = stringField(parseMessageId, 22)
export const opaqueIdSchema = stringField(parseOpaqueId, 22)
export const publicKeySchema = stringField(parsePublicKey, base64UrlLength(32))
export const signatureSchema = stringField(parseSignature, base64UrlLength(64))
export const challengeSchema = stringField(parseChallenge, 512)
export const deviceNameSchema = stringField(parseDeviceName, 128)
export const caseRefSchema = stringField(parseCaseRef, 256)
export const justificationSchema = stringField(parseJustification, 64)
export const epochSchema = numberField(parseEpoch)
export const seqSchema = numberField(parseSeq)
export const timestampSchema = numberField(parseTimestamp)
/** A timestamp in a query string. */
export const timestampTextSchema = stringField(decimalText(parseTimestamp), 16)

/** Canonical base64url of at most `maxBytes` bytes. */
export function base64UrlSchema(maxBytes: number) {
  return stringField((v, field) => parseBase64Url(v, field, maxBytes), base64UrlLength(maxBytes))
}
