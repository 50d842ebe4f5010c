// Opening the SQLite file: the pragmas every connection runs with, and the schema brought up to
// date (migrations.ts) in one transaction, recorded in user_version.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations.ts'

/** The open database, and the journal mode SQLite granted ('wal' unless the file cannot have one, as in memory). */
export function openDatabase(path: string, synchronous: 'FULL' | 'NORMAL'): { db: Database.Database; journal: string } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  const journal = db.pragma('journal_mode = WAL', { simple: true }) as string
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  // Deleted rows are zeroed in the file, so an erased account leaves no residue in free pages.
  db.pragma('secure_delete = ON')
  const version = db.pragma('user_version', { simple: true }) as number
  db.transaction(() => {
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] ?? '')
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  })()
  return { db, journal }
}
