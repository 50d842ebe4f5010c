// /metrics is never served on the public port; it is served, when asked for, on a listener of
// its own (loopback by default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'

let plain: CandorServer
let watched: CandorServer
let stores: SqliteStore[]
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-metrics-'))
  stores = [SqliteStore.open(join(dir, 'a.sqlite')), SqliteStore.open(join(dir, 'b.sqlite'))]
  plain = await createServer({ store: stores[0]!, keys: generateServerKeys(), logLevel: 'silent' })
  watched = await createServer({ store: stores[1]!, keys: generateServerKeys(), logLevel: 'silent', metrics: { port: 0 } })
})
afterAll(async () => {
  await plain.close()
  await watched.close()
  for (const s of stores) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('/metrics', () => {
  it('is not found on the public port, with or without a metrics listener', async () => {
    for (const s of [plain, watched]) {
      const r = await fetch(`${s.url}/metrics`)
      expect(r.status).toBe(404)
      expect(await r.text()).not.toContain('candor_')
    }
    expect(plain.metricsUrl).toBeUndefined()
  })

  it('is served on its own loopback listener when asked for, and nothing else is', async () => {
    expect(watched.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    expect(new URL(watched.metricsUrl!).port).not.toBe(String(watched.port))
    const r = await fetch(watched.metricsUrl!)
    expect(r.status).toBe(200)
    expect(await r.text()).toContain('candor_connections ')
    expect((await fetch(new URL('/healthz', watched.metricsUrl!))).status).toBe(404)
    expect((await fetch(new URL('/v1/directory', watched.metricsUrl!))).status).toBe(404)
  })
})
