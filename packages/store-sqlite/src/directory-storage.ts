// The key directory's rows in the same SQLite database as everything else.
import type Database from 'better-sqlite3'
import type { DirectoryChanges, DirectoryStorage, EntryRow, EpochRow, StorageHead } from '@candor/transparency'

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
    return (this.#db.prepare('SELECT * FROM directory_entries').all() as EntryDbRow[]).map(entryRow)
  }

  loadEpochs(): readonly EpochRow[] {
    return (this.#db.prepare('SELECT * FROM directory_epochs ORDER BY epoch').all() as EpochDbRow[]).map(epochRow)
  }

  head(): StorageHead {
    const r = this.#db
      .prepare('SELECT (SELECT COUNT(*) FROM directory_epochs) AS epochs, (SELECT COALESCE(MAX(seq), 0) FROM directory_tombstones) AS tombstones')
      .get() as { epochs: number; tombstones: number }
    return { epochs: r.epochs, tombstones: r.tombstones }
  }

  loadSince(epochs: number, tombstones: number): DirectoryChanges {
    // One read transaction, so epochs and entries agree.
    return this.#db.transaction(() => {
      const epochRows = (this.#db.prepare('SELECT * FROM directory_epochs WHERE epoch >= ? ORDER BY epoch').all(epochs) as EpochDbRow[]).map(epochRow)
      const entries = (this.#db.prepare('SELECT * FROM directory_entries WHERE epoch >= ?').all(epochs) as EntryDbRow[]).map(entryRow)
      const last = this.#db.prepare('SELECT MAX(seq) FROM directory_tombstones WHERE seq > ?').pluck().get(tombstones) as number | null
      const stones = this.#db
        .prepare(
          'SELECT label, version FROM directory_entries WHERE value IS NULL AND label IN (SELECT label FROM directory_tombstones WHERE seq > ?)',
        )
        .all(tombstones) as Array<{ label: string; version: number }>
      return { epochs: epochRows, entries, tombstones: stones, tombstonePosition: last ?? tombstones }
    })()
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
    this.#db.transaction(() => {
      if (version === undefined) this.#db.prepare('UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ?').run(label)
      else this.#db.prepare('UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ? AND version = ?').run(label, version)
      this.#db.prepare('INSERT INTO directory_tombstones (label, version) VALUES (?, ?)').run(label, version ?? null)
    })()
  }
}

function entryRow(r: EntryDbRow): EntryRow {
  return {
    label: r.label,
    version: r.version,
    epoch: r.epoch,
    searchKey: bytes(r.search_key),
    commitment: bytes(r.commitment),
    value: r.value ? bytes(r.value) : null,
    opening: r.opening ? bytes(r.opening) : null,
  }
}

function epochRow(r: EpochDbRow): EpochRow {
  return { epoch: r.epoch, timestamp: r.timestamp, prefixRoot: bytes(r.prefix_root), checkpoint: r.checkpoint }
}
