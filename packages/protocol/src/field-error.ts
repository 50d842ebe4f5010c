// The one error every field parser throws: bad_request, naming the field, with the field and
// the reason also kept apart in `details` so a schema can report the reason under its own path.
import { CandorError } from './errors.ts'

export function fieldError(field: string, reason: string): CandorError {
  return new CandorError('bad_request', `${field}: ${reason}`, { details: { field, reason } })
}

/** The reason part of a field error (the whole message for any other error). */
export function fieldErrorReason(e: CandorError): string {
  const reason = e.details?.reason
  return typeof reason === 'string' ? reason : e.message
}
