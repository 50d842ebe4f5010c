// The key directory's rows in the same SQLite database as everything else.
import type Database from 'better-sqlite3'
import type { DirectoryStorage, EntryRow, EpochRow } from '@candor/transparency'

interface EntryDbRow {
  label: string
  version: number
  epoch: number
  search_key: Buffer
  commitment: Buffer
  value: Buffer | null
  opening: Buffer | null
}
interface EpochDbRow {
  epoch: number
  timestamp: number
  prefix_root: Buffer
  checkpoint: string
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b)

export class SqliteDirectoryStorage implements DirectoryStorage {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  loadEntries(): readonly EntryRow[] {
    return (this.#db.prepare('SELECT * FROM directory_entries').all() as EntryDbRow[]).map((r) => ({
      label: r.label,
      version: r.version,
      epoch: r.epoch,
      searchKey: bytes(r.search_key),
      commitment: bytes(r.commitment),
      value: r.value ? bytes(r.value) : null,
      opening: r.opening ? bytes(r.opening) : null,
    }))
  }

  loadEpochs(): readonly EpochRow[] {
    return (this.#db.prepare('SELECT * FROM directory_epochs ORDER BY epoch').all() as EpochDbRow[]).map((r) => ({
      epoch: r.epoch,
      timestamp: r.timestamp,
      prefixRoot: bytes(r.prefix_root),
      checkpoint: r.checkpoint,
    }))
  }

  commitEpoch(epoch: EpochRow, entries: readonly EntryRow[]): void {
    const insertEntry = this.#db.prepare(
      'INSERT INTO directory_entries (label, version, epoch, search_key, commitment, value, opening) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    const insertEpoch = this.#db.prepare('INSERT INTO directory_epochs (epoch, timestamp, prefix_root, checkpoint) VALUES (?, ?, ?, ?)')
    this.#db.transaction(() => {
      for (const e of entries) insertEntry.run(e.label, e.version, e.epoch, e.searchKey, e.commitment, e.value, e.opening)
      insertEpoch.run(epoch.epoch, epoch.timestamp, epoch.prefixRoot, epoch.checkpoint)
    })()
  }

  countEpochs(): number {
    return this.#db.prepare('SELECT COUNT(*) FROM directory_epochs').pluck().get() as number
  }

  tombstone(label: string, version?: number): void {
    if (version === undefined) this.#db.prepare('UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ?').run(label)
    else this.#db.prepare('UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ? AND version = ?').run(label, version)
  }
}
