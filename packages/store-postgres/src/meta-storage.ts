// The meta table on PostgreSQL: values the server keeps beside its data (never a secret), and the
// secrets versions before the key file kept there, read once to move them out and then erased.
import type { LegacySecretName, LegacySecrets } from '@candor/ports'
import type { Sql } from './connection.ts'

/** The meta rows where versions before the key file kept the server's secrets (Store.legacySecrets). */
const LEGACY_SECRET_NAMES = Object.keys({
  'token-secret': 1,
  'directory-signing-key': 1,
  'directory-vrf-key': 1,
  'access-log-signing-key': 1,
  'access-pseudonym-key': 1,
  'admin-enrolment-secret': 1,
} satisfies Record<LegacySecretName, 1>) as LegacySecretName[]

export async function getOrCreateMeta(sql: Sql, key: string, create: () => string): Promise<string> {
  const get = async () => (await sql<{ value: string }[]>`SELECT value FROM meta WHERE key = ${key}`)[0]?.value
  const existing = await get()
  if (existing !== undefined) return existing
  await sql`INSERT INTO meta (key, value) VALUES (${key}, ${create()}) ON CONFLICT (key) DO NOTHING`
  return (await get())!
}

export async function legacySecrets(sql: Sql): Promise<LegacySecrets> {
  const rows = await sql<{ key: keyof LegacySecrets; value: string }[]>`
    SELECT key, value FROM meta WHERE key = ANY(${sql.array([...LEGACY_SECRET_NAMES])}::text[])`
  return Object.fromEntries(rows.map((r) => [r.key, r.value])) as LegacySecrets
}

/**
 * A plain VACUUM only marks the dead row versions' space free (their bytes may stay in the
 * page), so the table is rewritten into a new file with VACUUM FULL: meta is a handful of
 * rows and nothing else reads it. PostgreSQL's own write-ahead log and base backups keep
 * older copies until they are recycled (docs/server-keys.md).
 */
export async function eraseLegacySecrets(sql: Sql): Promise<void> {
  await sql`DELETE FROM meta WHERE key = ANY(${sql.array([...LEGACY_SECRET_NAMES])}::text[])`
  await sql`VACUUM FULL meta`
}
