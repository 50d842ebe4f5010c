// One HTTP exchange with the server, bounded in time: the request, and reading the whole answer,
// must be done within the timeout, or the call fails with `unavailable` (as an unreachable
// server does) instead of hanging whatever waits for it — an MLS lock included.
import { CandorError } from '@candor/protocol'

/** How long an HTTP call may take by default, answer included. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000

export interface HttpAnswer {
  status: number
  ok: boolean
  text: string
}

export async function httpCall(url: string, init: { method: string; headers: Record<string, string>; body?: string }, timeoutMs: number): Promise<HttpAnswer> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const origin = new URL(url).origin
  try {
    const res = await fetch(url, { ...init, signal: controller.signal })
    return { status: res.status, ok: res.ok, text: await res.text() }
  } catch (e) {
    if (controller.signal.aborted) throw new CandorError('unavailable', `the server at ${origin} did not answer within ${Math.round(timeoutMs / 1000)} s`, { cause: e })
    throw new CandorError('unavailable', `cannot reach the server at ${origin}`, { cause: e })
  } finally {
    clearTimeout(timer)
  }
}
