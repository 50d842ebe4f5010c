// Key-directory lookups the server rate-limits (429 rate_limited, docs/limits.md) are tried again
// by the SDK — after at least the Retry-After the server names, within a bounded total — and then
// fail as `rate_limited` to the caller, never as a rejection nobody handles; through real servers
// and real SDK clients: one whose per-address lookup limit is 0 (every lookup turned away), one
// whose limit is one every 2 s (lookups at once are turned away, then go through).
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOOKUP_RETRY } from '../src/rate-limit-retry.ts'
import { startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

const envs: DevEnv[] = []
afterAll(async () => {
  for (const e of envs) await e.close()
})

/** Every answer to a key-directory lookup this process got: when, its status, the wait a refusal named (ms). */
interface Seen {
  url: string
  at: number
  status: number
  retryAfterMs: number | null
}
let seen: Seen[] = []
const realFetch = globalThis.fetch
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)

beforeEach(() => {
  seen = []
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
  // Watches the answers (it changes none): the SDK calls the global fetch.
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await realFetch(input, init)
    const url = String(input instanceof Request ? input.url : input)
    if (url.includes('/v1/directory/lookup/')) {
      // The wait the server named, exactly: details.retryAfterMs (the Retry-After header rounds it up to whole seconds).
      const asked = res.status === 429 ? ((await res.clone().json()) as { error?: { details?: { retryAfterMs?: number } } }).error?.details?.retryAfterMs : undefined
      const header = res.headers.get('retry-after')
      if ((asked === undefined) !== (header === null)) throw new Error('a refusal with a wait in its details but no Retry-After header, or the reverse')
      seen.push({ url, at: Date.now(), status: res.status, retryAfterMs: asked ?? null })
    }
    return res
  }
})
afterEach(() => {
  globalThis.fetch = realFetch
  process.off('unhandledRejection', onUnhandled)
})

describe('rate-limited key-directory lookups', () => {
  it('with the per-address lookup limit at 0, the caller gets rate_limited once the bounded retries are spent', async () => {
    const env = await startDevEnv({ directoryLookupRate: { perSecond: 0, burst: 0 } })
    envs.push(env)
    const alice = await env.user('alice')
    await env.user('bob')
    seen = []

    const t0 = Date.now()
    const err = await alice.verifiedDevices('bob').then(
      () => null,
      (e: unknown) => e,
    )
    const took = Date.now() - t0
    expect(err).toMatchObject({ code: 'rate_limited' })
    const bob = seen.filter((s) => s.url.endsWith('/lookup/bob'))
    // Tried again, and every try was turned away; no wait is named for a limit that never refills.
    expect(bob.length).toBeGreaterThanOrEqual(3)
    expect(bob.every((s) => s.status === 429 && s.retryAfterMs === null)).toBe(true)
    // Bounded: the waits stay within the budget (the tries themselves add a little, more under load).
    expect(took).toBeGreaterThanOrEqual(LOOKUP_RETRY.budgetMs / 2)
    expect(took).toBeLessThan(LOOKUP_RETRY.budgetMs + 30_000)

    // An operation that needs a lookup fails the same way, to its caller.
    await expect(alice.createConversation(['bob'])).rejects.toMatchObject({ code: 'rate_limited' })
    expect(unhandled).toEqual([])
  }, 120_000)

  it('with a limit of one lookup every 2 s, a lookup turned away waits the Retry-After and goes through; so does starting a conversation', async () => {
    const env = await startDevEnv({ directoryLookupRate: { perSecond: 0.5, burst: 1 } })
    envs.push(env)
    const alice = await env.user('alice')
    await env.user('bob')
    await env.user('carol')

    // Three lookups at once, one token: the others are over the limit, turned away with a
    // Retry-After, then answered (however slow the machine, they do not arrive 2 s apart).
    seen = []
    const found = await Promise.all(['alice', 'bob', 'carol'].map((u) => alice.verifiedDevices(u)))
    for (const devices of found) expect(devices).toHaveLength(1)
    const refused = seen.filter((s) => s.status === 429)
    expect(refused.length).toBeGreaterThanOrEqual(1)
    for (const r of refused) {
      expect(r.retryAfterMs).toBeGreaterThan(0)
      expect(r.retryAfterMs).toBeLessThanOrEqual(2000)
      // The next try of the same lookup came no sooner than the server asked.
      const next = seen.find((s) => s.url === r.url && s.at > r.at)
      expect(next, `a retry of ${r.url}`).toBeDefined()
      expect(next!.at - r.at).toBeGreaterThanOrEqual(r.retryAfterMs! - 50)
    }
    for (const who of ['alice', 'bob', 'carol']) expect(seen.filter((s) => s.url.endsWith(`/lookup/${who}`)).at(-1)?.status).toBe(200)

    // An operation that makes several lookups in a row gets through the limit by waiting.
    seen = []
    const conversation = await alice.createConversation(['bob', 'carol'])
    await waitFor(() => alice.conversations().some((c) => c.id === conversation), 'the conversation to be listed', 30_000)
    expect(unhandled).toEqual([])
  }, 180_000)
})
