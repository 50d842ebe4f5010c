// Every HTTP route's input, fuzzed against a live server (Fastify's inject: the whole request
// path, no socket): bodies near the valid one its rightful user sends (the authorisation
// matrix's rows build it), broken JSON, route parameters and query strings. The contract: never a 500
// (a TypeError in a handler would be one), every refusal a known error code, a body that is not
// JSON is 400 bad_request, and a refused request changes nothing in the database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import Database from 'better-sqlite3'
import { isErrorCode } from '@candor/protocol'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../../src/index.ts'
import { HTTP_ROWS, type World } from '../authorization-matrix.ts'
import { buildWorld } from '../authorization-world.ts'
import { jsonInput, textInput } from './mutate.ts'
import type { FuzzResult } from './fuzz-target.ts'

export interface HttpFuzz {
  server: CandorServer
  world: World
  routes: readonly string[]
  /** Fuzzes one route with `numRuns` inputs; throws fast-check's report on a violation. */
  fuzzRoute(route: string, numRuns: number, seed?: number): Promise<FuzzResult>
  close(): Promise<void>
}

type Input = { kind: 'json'; body: unknown } | { kind: 'text'; text: string } | { kind: 'query'; query: string } | { kind: 'params'; values: string[] }

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

export async function startHttpFuzz(): Promise<HttpFuzz> {
  const dir = mkdtempSync(join(tmpdir(), 'candor-fuzz-http-'))
  const store = SqliteStore.open(join(dir, 'db.sqlite'))
  const blobs = await FolderBlobStore.open(join(dir, 'blobs'))
  const server = await createServer({ store, blobs, blobSweepMs: 3_600_000, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 1_000_000, retentionSweepMs: 3_600_000, receiptSweepMs: 3_600_000 })
  const db = new Database(join(dir, 'db.sqlite'), { readonly: true, fileMustExist: true })
  const world = await buildWorld(server, store)
  // Any commit by the server's connection moves the read-only connection's data_version: a
  // refused request must commit nothing (cheaper than a digest per input; the matrix digests).
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  let before = dataVersion.get() as number

  async function fuzzRoute(route: string, numRuns: number, seed?: number): Promise<FuzzResult> {
    const row = HTTP_ROWS[route]
    if (!row) throw new Error(`no row for ${route} in authorization-matrix.ts`)
    const [method] = route.split(' ') as [string]
    const as = row.access.kind === 'admin' ? world.admin : world.alice
    const req = await row.build(world, as)
    const [path, query = ''] = req.path.split('?') as [string, string?]
    const bodySeeds = [req.body ?? {}]
    // The route's parameters (`:groupId` …) and the values the row filled in, segment by segment.
    const template = route.split(' ')[1]!.split('/')
    const segments = path.split('/')
    const params = template.flatMap((t, i) => (t.startsWith(':') ? [i] : []))
    const input: fc.Arbitrary<Input> = fc.oneof(
      { arbitrary: jsonInput(bodySeeds).map((body): Input => ({ kind: 'json', body })), weight: 3 },
      { arbitrary: textInput([JSON.stringify(req.body ?? {})], 256).map((text): Input => ({ kind: 'text', text })), weight: 1 },
      { arbitrary: textInput([query, 'from=1&to=2', 'why=support_request&case=T-1&delayUntil=1'], 128).map((q): Input => ({ kind: 'query', query: q })), weight: method === 'GET' ? 3 : 1 },
      {
        arbitrary: fc.tuple(...params.map((i) => textInput([decodeURIComponent(segments[i]!), '0', 'AAAAAAAAAAAAAAAAAAAAAA'], 80))).map((values): Input => ({ kind: 'params', values })),
        weight: params.length > 0 ? 2 : 0,
      },
    )
    const start = performance.now()
    await fc.assert(
      fc.asyncProperty(input, async (x) => {
        let url = req.path
        if (x.kind === 'query') url = `${path}?${encodeURI(x.query)}`
        if (x.kind === 'params') {
          const parts = [...segments]
          params.forEach((i, n) => (parts[i] = encodeURIComponent(x.values[n]!)))
          url = parts.join('/') + (query ? `?${query}` : '')
        }
        // SCIM routes take the organisation's SCIM token, and answer SCIM error bodies.
        const scim = row.access.kind === 'scim'
        const headers: Record<string, string> = { authorization: `Bearer ${scim ? world.scim.token : as.token}` }
        let payload: string | undefined
        if (x.kind === 'json' && x.body !== undefined && method !== 'GET') payload = JSON.stringify(x.body)
        if (x.kind === 'text' && method !== 'GET') payload = x.text
        if (payload !== undefined) headers['content-type'] = 'application/json'
        const r = await server.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })
        let code: unknown
        if (r.statusCode >= 400) {
          try {
            const b = JSON.parse(r.body) as { error?: { code?: unknown }; schemas?: unknown; status?: unknown; scimType?: unknown }
            // A SCIM error (RFC 7644 §3.12) stands for a known code when its status is the answer's.
            code = scim ? (JSON.stringify(b.schemas) === '["urn:ietf:params:scim:api:messages:2.0:Error"]' && b.status === String(r.statusCode) ? (b.scimType === 'invalidSyntax' ? 'bad_request' : 'internal') : undefined) : b.error?.code
          } catch {
            code = undefined
          }
        }
        if (r.statusCode >= 500 || (r.statusCode >= 400 && !isErrorCode(code))) throw new Error(`${route}: ${r.statusCode} ${r.body.slice(0, 300)}`)
        if (payload !== undefined && !isJson(payload) && (r.statusCode !== 400 || code !== 'bad_request')) {
          throw new Error(`${route}: a body that is not JSON got ${r.statusCode} ${String(code)}, not 400 bad_request`)
        }
        const now = dataVersion.get() as number
        if (r.statusCode >= 400 && now !== before) throw new Error(`${route}: refused with ${r.statusCode} ${String(code)} but the database changed`)
        before = now
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    )
    return { name: `http: ${route}`, runs: numRuns, ms: performance.now() - start }
  }

  return {
    server,
    world,
    routes: server.routes,
    fuzzRoute,
    async close() {
      db.close()
      await server.close()
      await store.close()
      await blobs.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
