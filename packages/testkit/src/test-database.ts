// Test support: finds the test PostgreSQL, starting the local cluster once if it is down,
// and hands out throwaway schemas. Tests skip loudly without a database, except under CI.
import { execSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'

export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'

async function reachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    return true
  } catch (e) {
    // The server is up but the database is missing: create it.
    if ((e as { code?: string }).code !== '3D000') return false
    const admin = postgres(url.replace(/\/[^/]*$/, '/postgres'), { max: 1, connect_timeout: 3 })
    try {
      await admin.unsafe(`CREATE DATABASE ${new URL(url).pathname.slice(1)}`)
      return true
    } catch {
      return false
    } finally {
      await admin.end({ timeout: 1 })
    }
  } finally {
    await sql.end({ timeout: 1 })
  }
}

let started: Promise<boolean> | undefined

/** True when the test database answers; tries `pg_ctlcluster … start` once per process. */
export async function postgresAvailable(url = TEST_DATABASE_URL): Promise<boolean> {
  if (await reachable(url)) return true
  started ??= (async () => {
    try {
      execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', { stdio: 'ignore', timeout: 30_000 })
    } catch {
      // Fall through: the probe below decides.
    }
    for (let i = 0; i < 20; i++) {
      if (await reachable(url)) return true
      await new Promise((r) => setTimeout(r, 250))
    }
    return false
  })()
  return started
}

/** Under CI a missing database fails the run; elsewhere the caller skips with this warning. */
export function noDatabase(what: string): void {
  const msg = `\n*** ${what}: PostgreSQL unreachable at ${TEST_DATABASE_URL}; SKIPPING these tests ***\n`
  if (process.env['CI'] === 'true') throw new Error(msg)
  console.warn(msg)
}

export function freshSchemaName(): string {
  return `candor_test_${randomBytes(6).toString('hex')}`
}

export async function dropSchema(schema: string, url = TEST_DATABASE_URL): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/**
 * Inside `tx`, makes `schema` as the given migrations (the first ones of the store's list) left
 * it — each applied and recorded in schema_migrations, as PostgresStore.open does — and points
 * the rest of `tx` at it: a migration test then writes rows as an older version would.
 */
export async function createSchemaAt(tx: postgres.TransactionSql, schema: string, migrations: readonly string[]): Promise<void> {
  await tx`CREATE SCHEMA ${tx(schema)}`
  await tx`SET LOCAL search_path TO ${tx(schema)}`
  await tx`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
  for (const [i, m] of migrations.entries()) {
    await tx.unsafe(m).simple()
    await tx`INSERT INTO schema_migrations (version) VALUES (${i + 1})`
  }
}
