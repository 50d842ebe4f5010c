// A call the server refused with `429 rate_limited` is tried again after a wait: at least as long
// as the server asked (its Retry-After, or `details.retryAfterMs`), else a doubling backoff with
// jitter — and all the waits together stay within a budget, after which the caller gets the
// `rate_limited` error (never a hang, never a rejection nobody handles). Used for key-directory
// lookups (docs/protocol.md §3 "Lookups the server rate-limits"), which a device makes on its own
// while it processes messages, so one refusal must not fail what it was doing. A sign-in is also
// tried again when the server answered that it could not answer now (`unavailable`: a bare 408 of
// a loaded server, a proxy's 502–504) — not when it could not be reached at all, which the caller
// learns at once: each try asks a fresh challenge, so trying again is safe.
import { CandorError } from '@candor/protocol'

export interface RateLimitRetryPolicy {
  /** The most time, from the first try, the waits may take the call to; a wait that would pass it fails the call instead. */
  budgetMs: number
  /** The first wait when the server names none; it doubles each time, up to maxBackoffMs. */
  firstBackoffMs: number
  maxBackoffMs: number
}

/** For directory lookups: they may run under the MLS lock, so the budget is short. */
export const LOOKUP_RETRY: Readonly<RateLimitRetryPolicy> = { budgetMs: 10_000, firstBackoffMs: 250, maxBackoffMs: 4_000 }

/** For a sign-in: every authenticated call waits on it, so one transient refusal must not fail them all. */
export const SIGN_IN_RETRY: Readonly<RateLimitRetryPolicy> = { budgetMs: 15_000, firstBackoffMs: 250, maxBackoffMs: 4_000 }

/** What the waiting is measured with (a test gives its own clock). */
export interface RetryClock {
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
}

/** The longest Retry-After this client takes at its word (a bad header must not mean "wait a year"). */
const MAX_RETRY_AFTER_MS = 24 * 3600_000

/**
 * An HTTP Retry-After header (RFC 9110 §10.2.3: whole seconds, or an HTTP date) in ms from
 * `now`; undefined when absent or malformed.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined
  const text = header.trim()
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS)
  const at = Date.parse(text)
  if (!/[a-z]/i.test(text) || Number.isNaN(at)) return undefined
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS)
}

/** How long the server asked to wait, from a rate_limited error's details; undefined if it did not say. */
function askedWaitMs(e: CandorError): number | undefined {
  const v = e.details?.retryAfterMs
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.min(v, MAX_RETRY_AFTER_MS) : undefined
}

/** Runs `attempt`, trying again after a `rate_limited` refusal as the policy allows; other errors pass through at once. */
export function retryRateLimited<T>(attempt: () => Promise<T>, policy: Readonly<RateLimitRetryPolicy> = LOOKUP_RETRY, clock: RetryClock = realClock): Promise<T> {
  return retryRefused(attempt, RATE_LIMITED, policy, clock)
}

/**
 * Runs a sign-in, trying again within SIGN_IN_RETRY's budget after a `rate_limited` refusal or an
 * `unavailable` one the server answered (`answered(e)`: not an unreachable server).
 */
export function retrySignIn<T>(attempt: () => Promise<T>, answered: (e: CandorError) => boolean, clock: RetryClock = realClock): Promise<T> {
  return retryRefused(attempt, (e) => e.code === 'rate_limited' || (e.code === 'unavailable' && answered(e)), SIGN_IN_RETRY, clock)
}

const RATE_LIMITED = (e: CandorError): boolean => e.code === 'rate_limited'

async function retryRefused<T>(attempt: () => Promise<T>, retried: (e: CandorError) => boolean, policy: Readonly<RateLimitRetryPolicy>, clock: RetryClock): Promise<T> {
  const start = clock.now()
  let backoff = policy.firstBackoffMs
  for (let tries = 1; ; tries++) {
    try {
      return await attempt()
    } catch (e) {
      if (!(e instanceof CandorError) || !retried(e)) throw e
      const asked = e.code === 'rate_limited' ? askedWaitMs(e) : undefined
      // Jitter spreads the devices a limit turned away, so they do not all come back at once.
      const wait = Math.max(asked ?? 0, Math.round(backoff * (1 + 0.25 * clock.random())))
      const spent = clock.now() - start
      if (spent + wait > policy.budgetMs) {
        if (e.code !== 'rate_limited') throw new CandorError(e.code, `${e.message} (after ${tries} tries over ${Math.round(spent / 1000)} s)`, { cause: e, details: { ...e.details, attempts: tries } })
        const why = asked !== undefined && spent + asked > policy.budgetMs ? `it asks to wait ${Math.ceil(asked / 1000)} s` : `still refused after ${tries} tries over ${Math.round(spent / 1000)} s`
        throw new CandorError('rate_limited', `the server is rate-limiting this device (${why}); try again later`, {
          cause: e,
          details: { ...e.details, attempts: tries },
        })
      }
      await clock.sleep(wait)
      backoff = Math.min(backoff * 2, policy.maxBackoffMs)
    }
  }
}
