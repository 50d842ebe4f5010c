// GET /v1/directory/lookup/:userId is limited per client address (createServer({
// directoryLookupRate }), docs/limits.md, protocol.md §3 "Lookups the server rate-limits"): over
// the limit, `429 rate_limited` with details.retryAfterMs and a Retry-After header in seconds —
// none for a limit of 0, which never refills; a request without a session takes nothing from the
// allowance and changes nothing.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { rawRegister } from './raw-client.ts'

const cleanup: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const c of cleanup) await c()
})

async function serverWith(directoryLookupRate: { perSecond: number; burst?: number }): Promise<CandorServer> {
  const dir = mkdtempSync(join(tmpdir(), 'candor-lookup-limit-'))
  const store = SqliteStore.open(join(dir, 'db.sqlite'))
  const server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 10_000, directoryLookupRate })
  cleanup.push(async () => {
    await server.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}

async function lookup(base: string, userId: string, token?: string) {
  const res = await fetch(`${base}/v1/directory/lookup/${userId}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const json = (await res.json()) as { error?: { code: string; details?: { retryAfterMs?: number } } }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json }
}

describe('key-directory lookups per client address', () => {
  it('over the limit: 429 rate_limited with the wait in details and Retry-After; without a session nothing is taken', async () => {
    const server = await serverWith({ perSecond: 0.05, burst: 2 })
    const alice = await rawRegister(server.url, 'alice')
    // Requests without a session are turned away first and take nothing from the allowance.
    for (let i = 0; i < 5; i++) expect((await lookup(server.url, 'alice')).status).toBe(401)
    expect((await lookup(server.url, 'alice', alice.token)).status).toBe(200)
    expect((await lookup(server.url, 'alice', alice.token)).status).toBe(200)
    const over = await lookup(server.url, 'alice', alice.token)
    expect(over.status).toBe(429)
    expect(over.json.error?.code).toBe('rate_limited')
    const wait = over.json.error?.details?.retryAfterMs
    // One token every 20 s (so none comes back during the test, however slow): the wait is at most
    // that, and the header says it in whole seconds.
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(20_000)
    expect(over.retryAfter).toBe(String(Math.ceil(wait! / 1000)))
  })

  it('a limit of 0 turns every lookup away, naming no wait', async () => {
    const server = await serverWith({ perSecond: 0, burst: 0 })
    const alice = await rawRegister(server.url, 'alice')
    for (let i = 0; i < 3; i++) {
      const r = await lookup(server.url, 'alice', alice.token)
      expect(r.status).toBe(429)
      expect(r.json.error?.code).toBe('rate_limited')
      expect(r.json.error?.details?.retryAfterMs).toBeUndefined()
      expect(r.retryAfter).toBeNull()
    }
  })
})
