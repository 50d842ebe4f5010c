// Connecting and migrating. Several nodes may start at once: migrations run in one
// transaction under a transaction-scoped advisory lock, so exactly one node applies each
// version and the others wait, then find nothing left to do.
import postgres from 'postgres'
import { MIGRATIONS } from './migrations.ts'

/** int8 columns (ids, seqs, epochs, millisecond times) parse to numbers: all stay below 2^53. */
const int8: postgres.PostgresType<number> = {
  to: 20,
  from: [20],
  serialize: (x: number) => String(x),
  parse: (x: string) => Number(x),
}

export type Types = { int8: number }
export type Sql = postgres.Sql<Types>
export type Tx = postgres.TransactionSql<Types>
/** Anything that runs a query: the pool or a transaction. */
export type Db = Sql | Tx

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export interface ConnectOptions {
  /** Schema holding the tables (created if absent); default `public`. */
  schema?: string
  /** Pool size per node; default 10. */
  max?: number
  /**
   * A statement running longer is cancelled by PostgreSQL (`statement_timeout`); the request
   * fails instead of holding a pool connection and its locks. Default 30 000 ms; 0 turns it off.
   */
  statementTimeoutMs?: number
  /** A session idle inside a transaction this long is ended by PostgreSQL. Default 60 000 ms. */
  idleInTransactionTimeoutMs?: number
  /** Opening a connection may take this long. Default 10 000 ms. */
  connectTimeoutMs?: number
}

export const DEFAULT_POSTGRES_TIMEOUTS = { statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000, connectTimeoutMs: 10_000 } as const

/** `settings`: more session settings for every connection of this pool (ack-pool.ts). */
export function connect(url: string, opts: ConnectOptions = {}, settings: Record<string, string> = {}): { sql: Sql; schema: string } {
  const schema = opts.schema ?? 'public'
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`)
  const d = DEFAULT_POSTGRES_TIMEOUTS
  const sql = postgres(url, {
    max: opts.max ?? 10,
    types: { int8 },
    // postgres.js takes whole seconds; a part of one rounds up, never to "no timeout".
    connect_timeout: Math.max(1, Math.ceil((opts.connectTimeoutMs ?? d.connectTimeoutMs) / 1000)),
    connection: {
      search_path: schema,
      application_name: 'candor',
      statement_timeout: opts.statementTimeoutMs ?? d.statementTimeoutMs,
      idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? d.idleInTransactionTimeoutMs,
      ...settings,
    },
    onnotice: () => {},
  })
  return { sql, schema }
}

export async function migrate(sql: Sql, schema: string): Promise<number[]> {
  return (await sql.begin(async (tx) => {
    // Migrations may rewrite big tables, and a node waits here while another migrates: neither is
    // a runaway statement.
    await tx`SET LOCAL statement_timeout = 0`
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`candor:migrate:${schema}`}))`
    await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`
    await tx`SET LOCAL search_path TO ${tx(schema)}`
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
    const done = new Set((await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((r) => r.version))
    const applied: number[] = []
    for (const [i, text] of MIGRATIONS.entries()) {
      const version = i + 1
      if (done.has(version)) continue
      await tx.unsafe(text).simple()
      await tx`INSERT INTO schema_migrations (version) VALUES (${version})`
      applied.push(version)
    }
    return applied
  })) as number[]
}

const RETRYABLE = new Set(['40P01', '40001'])

/** Runs fn in a transaction, retrying a few times if PostgreSQL chose it as a deadlock victim. */
export async function transaction<T>(sql: Sql, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return retrying(async () => (await sql.begin(fn)) as T)
}

/** Runs fn (one transaction, or one statement that is its own), retrying deadlock victims. */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt >= 5 || !RETRYABLE.has(sqlState(e) ?? '')) throw e
      await new Promise((r) => setTimeout(r, attempt * 5 * Math.random()))
    }
  }
}

export function sqlState(e: unknown): string | undefined {
  return e instanceof postgres.PostgresError ? e.code : undefined
}

export function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** The bytes as a Buffer without copying them (what postgres.js sends as bytea). */
export function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}
