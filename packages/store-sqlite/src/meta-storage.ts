// The meta table on SQLite: values made once and kept (Store.getOrCreateMeta), and the rows
// where versions before the key file kept the server's secrets (Store.legacySecrets).
import type Database from 'better-sqlite3'
import type { LegacySecretName, LegacySecrets } from '@candor/ports'

/** The meta rows where versions before the key file kept the server's secrets (Store.legacySecrets). */
const LEGACY_SECRET_NAMES = Object.keys({
  'token-secret': 1,
  'directory-signing-key': 1,
  'directory-vrf-key': 1,
  'access-log-signing-key': 1,
  'access-pseudonym-key': 1,
  'admin-enrolment-secret': 1,
} satisfies Record<LegacySecretName, 1>) as LegacySecretName[]

export class SqliteMeta {
  readonly #s

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: p('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
      legacySecrets: p(`SELECT key, value FROM meta WHERE key IN (${LEGACY_SECRET_NAMES.map(() => '?').join(', ')})`),
      eraseLegacySecrets: p(`DELETE FROM meta WHERE key IN (${LEGACY_SECRET_NAMES.map(() => '?').join(', ')})`),
    }
  }

  getOrCreate(key: string, create: () => string): string {
    const existing = this.#s.getMeta.get(key) as string | undefined
    if (existing !== undefined) return existing
    this.#s.putMeta.run(key, create())
    return this.#s.getMeta.get(key) as string
  }

  legacySecrets(): LegacySecrets {
    const rows = this.#s.legacySecrets.all(...LEGACY_SECRET_NAMES) as Array<{ key: keyof LegacySecrets; value: string }>
    return Object.fromEntries(rows.map((r) => [r.key, r.value])) as LegacySecrets
  }

  /** Deletes the rows; the caller purges the WAL of their older page images (Store.purgeDeleted). */
  eraseLegacySecrets(): void {
    this.#s.eraseLegacySecrets.run(...LEGACY_SECRET_NAMES)
  }
}
