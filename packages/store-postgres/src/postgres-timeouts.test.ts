// PostgreSQL may not hold a node for ever: a runaway statement is cancelled by the server
// (statement_timeout), and a database that accepts the connection but never answers fails the
// connect instead of hanging it.
import { afterAll, describe, expect, it } from 'vitest'
import { createServer, type Server, type Socket } from 'node:net'
import { connect, DEFAULT_POSTGRES_TIMEOUTS } from './connection.ts'
import { PostgresStore } from './postgres-store.ts'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'

const available = await postgresAvailable()
if (!available) noDatabase('PostgreSQL timeouts')

describe('PostgreSQL timeouts', () => {
  const silent: Socket[] = []
  let mute: Server | undefined
  afterAll(async () => {
    for (const s of silent) s.destroy()
    await new Promise<void>((r) => (mute ? mute.close(() => r()) : r()))
  })

  it.skipIf(!available)('cancels a statement that runs past statement_timeout (57014) and keeps the pool usable', async () => {
    const { sql } = connect(TEST_DATABASE_URL, { max: 1, statementTimeoutMs: 200 })
    try {
      await expect(sql`SELECT pg_sleep(30)`).rejects.toMatchObject({ code: '57014' })
      expect((await sql<{ one: number }[]>`SELECT 1 AS one`)[0]!.one).toBe(1)
    } finally {
      await sql.end({ timeout: 1 })
    }
  })

  it.skipIf(!available)('opens every store connection with the default timeouts set', async () => {
    const schema = freshSchemaName()
    const store = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 1 })
    const { sql } = connect(TEST_DATABASE_URL, { schema, max: 1 })
    try {
      const [r] = await sql<{ st: string; it: string }[]>`SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS it`
      expect(r).toEqual({ st: `${DEFAULT_POSTGRES_TIMEOUTS.statementTimeoutMs / 1000}s`, it: `${DEFAULT_POSTGRES_TIMEOUTS.idleInTransactionTimeoutMs / 60_000}min` })
    } finally {
      await sql.end({ timeout: 1 })
      await store.close()
      await dropSchema(schema)
    }
  })

  it('fails to connect to a server that accepts and never answers, instead of hanging', async () => {
    mute = createServer((s) => silent.push(s))
    await new Promise<void>((r) => mute!.listen(0, '127.0.0.1', () => r()))
    const port = (mute.address() as { port: number }).port
    const { sql } = connect(`postgres://candor@127.0.0.1:${port}/candor`, { max: 1, connectTimeoutMs: 500 })
    try {
      await expect(sql`SELECT 1`).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' })
    } finally {
      await sql.end({ timeout: 1 })
    }
    // Cut well before postgres.js's own default of 30 s would have given up.
  }, 15_000)
})
