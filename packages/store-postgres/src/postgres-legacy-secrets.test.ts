// Server secrets that versions before the key file kept in `meta`: the store hands them over
// once, then deletes them and rewrites the table, so the table's file on the server's disk
// holds no byte of them (read back with pg_read_binary_file, which needs a superuser; the test
// database's `postgres` role is one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { randomBytes, toBase64Url } from '@candor/protocol'
import { randomLegacySecrets } from '@candor/testkit/legacy-secrets'
import { PostgresStore } from './postgres-store.ts'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore legacy secrets')

describe.skipIf(!available)('PostgresStore legacy secrets', () => {
  const schema = freshSchemaName()
  let store: PostgresStore
  let sql: postgres.Sql

  beforeAll(async () => {
    store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
    sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {}, connection: { search_path: schema } })
  })
  afterAll(async () => {
    await store?.close()
    await sql?.end({ timeout: 1 })
    await dropSchema(schema)
  })

  /** The meta table's file as it is on disk now (dirty pages flushed first), and its path. */
  async function metaFile(): Promise<{ path: string; bytes: Buffer }> {
    await sql`CHECKPOINT`
    const [r] = await sql<{ path: string }[]>`SELECT pg_relation_filepath('meta') AS path`
    const [f] = await sql<{ bytes: Buffer | null }[]>`SELECT pg_read_binary_file(${r!.path}, 0, 1 << 24, true) AS bytes`
    return { path: r!.path, bytes: f!.bytes ?? Buffer.alloc(0) }
  }

  it('hands over the old rows, then leaves no copy of them in the table file', async () => {
    const legacy = randomLegacySecrets()
    for (const [k, v] of Object.entries(legacy)) await sql`INSERT INTO meta (key, value) VALUES (${k}, ${v})`
    await sql`INSERT INTO meta (key, value) VALUES ('served-public-keys', 'v1 public')`

    // Negative control: the search finds every secret in the table's file before.
    const before = await metaFile()
    for (const v of Object.values(legacy)) expect(before.bytes.includes(Buffer.from(v))).toBe(true)

    expect(await store.legacySecrets()).toEqual(legacy)
    await store.eraseLegacySecrets()
    expect(await store.legacySecrets()).toEqual({})
    expect(await store.getOrCreateMeta('served-public-keys', () => 'other')).toBe('v1 public')

    const after = await metaFile()
    expect(after.bytes.length).toBeGreaterThan(0)
    expect(after.bytes.includes(Buffer.from('v1 public'))).toBe(true)
    for (const [name, v] of Object.entries(legacy)) expect(after.bytes.includes(Buffer.from(v)), name).toBe(false)
    // The file the rows were in is emptied when the rewrite commits (and unlinked at the next checkpoint).
    const [old] = await sql<{ bytes: Buffer | null }[]>`SELECT pg_read_binary_file(${before.path}, 0, 1 << 24, true) AS bytes`
    for (const v of Object.values(legacy)) expect((old!.bytes ?? Buffer.alloc(0)).includes(Buffer.from(v))).toBe(false)

    await store.eraseLegacySecrets()
  })
})
