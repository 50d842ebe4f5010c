// The one boundary where any thrown value becomes a response. A CandorError keeps its code;
// anything else is an internal error whose details are logged, never sent.
import { CandorError, type ErrorBody } from '@candor/protocol'
import type { Logger } from './logger.ts'

export function toCandorError(err: unknown, log: Logger): CandorError {
  if (err instanceof CandorError) return err
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown }
  if (e && typeof e === 'object') {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new CandorError('body_too_large', 'request body is too large')
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new CandorError('bad_request', 'content type must be application/json')
    if (e.statusCode === 400) return new CandorError('bad_request', e.message ?? 'bad request')
    if (e.statusCode === 404) return new CandorError('not_found', 'no such route')
  }
  log.error({ err }, 'internal error')
  return new CandorError('internal', 'internal error')
}

export function errorBody(e: CandorError): ErrorBody {
  return {
    error: { code: e.code, message: e.message, ...(e.details ? { details: { ...e.details } } : {}) },
  }
}
