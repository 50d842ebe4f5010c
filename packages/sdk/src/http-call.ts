// One HTTP exchange with the server, bounded in time: the request, and reading the whole answer,
// must be done within the timeout, or the call fails with `unavailable` (as an unreachable
// server does) instead of hanging whatever waits for it — an MLS lock included.
import { CandorError } from '@candor/protocol'
import { parseRetryAfter } from './rate-limit-retry.ts'

/** How long an HTTP call may take by default, answer included. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000

export interface HttpAnswer {
  status: number
  ok: boolean
  text: string
  /** The answer's Retry-After (RFC 9110 §10.2.3) in ms, when it has a valid one. */
  retryAfterMs?: number
  /** The body, when it came in the binary media type the caller accepts (then `text` is empty). */
  bytes?: Uint8Array
}

export async function httpCall(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  binaryType?: string,
): Promise<HttpAnswer> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const origin = new URL(url).origin
  try {
    const res = await fetch(url, { ...init, signal: controller.signal })
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now())
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (binaryType !== undefined && res.ok && type === binaryType) {
      return { status: res.status, ok: true, text: '', bytes: new Uint8Array(await res.arrayBuffer()), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
    }
    return { status: res.status, ok: res.ok, text: await res.text(), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  } catch (e) {
    if (controller.signal.aborted) throw new CandorError('unavailable', `the server at ${origin} did not answer within ${Math.round(timeoutMs / 1000)} s`, { cause: e })
    throw new CandorError('unavailable', `cannot reach the server at ${origin}`, { cause: e })
  } finally {
    clearTimeout(timer)
  }
}
