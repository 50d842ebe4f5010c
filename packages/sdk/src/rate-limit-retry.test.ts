import { describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { parseRetryAfter, retryRateLimited, retrySignIn, SIGN_IN_RETRY, type RetryClock } from './rate-limit-retry.ts'

/** A clock whose sleeps only move its own time, and that records them. */
function fakeClock(): RetryClock & { slept: number[] } {
  let t = 1_000_000
  const slept: number[] = []
  return { slept, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), random: () => 0 }
}

const limited = (retryAfterMs?: number) => new CandorError('rate_limited', 'slow down', retryAfterMs === undefined ? {} : { details: { retryAfterMs } })
const policy = { budgetMs: 10_000, firstBackoffMs: 250, maxBackoffMs: 4_000 }

describe('retryRateLimited', () => {
  it('tries again after a rate_limited refusal, waiting at least what the server asked', async () => {
    const clock = fakeClock()
    const answers = [limited(1_500), limited(), 'ok']
    const got = await retryRateLimited(async () => {
      const a = answers.shift()
      if (a instanceof Error) throw a
      return a
    }, policy, clock)
    expect(got).toBe('ok')
    // 1.5 s as asked (more than the 250 ms backoff), then the doubled backoff.
    expect(clock.slept).toEqual([1_500, 500])
  })

  it('fails rate_limited once the waits would pass the budget, and at once when the server asks for more than is left', async () => {
    const clock = fakeClock()
    let tries = 0
    const always = () => {
      tries++
      return Promise.reject(limited())
    }
    const err = await retryRateLimited(always, policy, clock).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'rate_limited', details: { attempts: 6 } })
    expect(tries).toBe(6)
    expect(clock.slept).toEqual([250, 500, 1_000, 2_000, 4_000])
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(policy.budgetMs)

    const clock2 = fakeClock()
    await expect(retryRateLimited(() => Promise.reject(limited(60_000)), policy, clock2)).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringContaining('60 s') })
    expect(clock2.slept).toEqual([])
  })

  it('passes any other error through untouched, without waiting', async () => {
    const clock = fakeClock()
    const other = new CandorError('unknown_user', 'no such user')
    await expect(retryRateLimited(() => Promise.reject(other), policy, clock)).rejects.toBe(other)
    await expect(retryRateLimited(() => Promise.reject(new Error('boom')), policy, clock)).rejects.toThrow('boom')
    expect(clock.slept).toEqual([])
  })
})

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  it('reads seconds and HTTP dates; anything else is no wait named', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:05 GMT', now)).toBe(5_000)
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('9999999999', now)).toBe(24 * 3600_000)
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '12345678901234']) expect(parseRetryAfter(bad, now)).toBeUndefined()
  })
})

describe('retrySignIn', () => {
  const answered = new WeakSet<CandorError>()
  const busy = () => {
    const e = new CandorError('unavailable', 'HTTP 408')
    answered.add(e)
    return e
  }
  const run = (answers: Array<Error | string>, clock: RetryClock) => {
    let tries = 0
    const attempt = async () => {
      tries++
      const a = answers.shift()
      if (a instanceof Error) throw a
      return a!
    }
    return { result: retrySignIn(attempt, (e) => answered.has(e), clock), tries: () => tries }
  }

  it('tries again after a transient answer of the server (a bare 408) and after a rate limit', async () => {
    const clock = fakeClock()
    const r = run([busy(), limited(700), busy(), 'signed in'], clock)
    expect(await r.result).toBe('signed in')
    expect(r.tries()).toBe(4)
    expect(clock.slept).toEqual([250, 700, 1_000])
  })

  it('fails at once when the server could not be reached, and on any other refusal', async () => {
    for (const e of [new CandorError('unavailable', 'cannot reach the server'), new CandorError('bad_signature', 'no'), new CandorError('unauthenticated', 'revoked')]) {
      const clock = fakeClock()
      const r = run([e, 'never'], clock)
      expect(await r.result.catch((x: unknown) => x)).toBe(e)
      expect(r.tries()).toBe(1)
      expect(clock.slept).toEqual([])
    }
  })

  it('gives up unavailable within its budget, saying how often it tried', async () => {
    const clock = fakeClock()
    const r = run(Array.from({ length: 50 }, busy), clock)
    const err = await r.result.catch((x: unknown) => x)
    expect(err).toMatchObject({ code: 'unavailable', details: { attempts: r.tries() } })
    expect((err as Error).message).toMatch(/HTTP 408 \(after \d+ tries over \d+ s\)/)
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(SIGN_IN_RETRY.budgetMs)
    expect(r.tries()).toBeGreaterThan(3)
  })
})
