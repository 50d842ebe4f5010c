// The key directory's rows in PostgreSQL. Only one node publishes epochs at a time (it holds
// the directory lock, see the server's directory service); every node can read.
import type { DirectoryChanges, DirectoryStorage, EntryRow, EpochRow, StorageHead } from '@candor/transparency'
import { buf, bytes, transaction, type Sql } from './connection.ts'

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
  timestamp: string | number
  prefix_root: Buffer
  checkpoint: string
}

/** Advisory lock id of key-directory publication ('candor' in ASCII). */
const DIRECTORY_LOCK_KEY = 0x63616e646f72

/** A session advisory lock on a reserved connection, held while one node publishes an epoch. */
export async function withDirectoryLock<T>(sql: Sql, fn: () => Promise<T>): Promise<T> {
  const reserved = await sql.reserve()
  try {
    await reserved`SELECT pg_advisory_lock(${DIRECTORY_LOCK_KEY})`
    try {
      return await fn()
    } finally {
      await reserved`SELECT pg_advisory_unlock(${DIRECTORY_LOCK_KEY})`
    }
  } finally {
    reserved.release()
  }
}

export class PostgresDirectoryStorage implements DirectoryStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async loadEntries(): Promise<readonly EntryRow[]> {
    return (await this.#sql<EntryDbRow[]>`SELECT * FROM directory_entries`).map(entryRow)
  }

  async loadEpochs(): Promise<readonly EpochRow[]> {
    return (await this.#sql<EpochDbRow[]>`SELECT * FROM directory_epochs ORDER BY epoch`).map(epochRow)
  }

  async head(): Promise<StorageHead> {
    const [r] = await this.#sql<{ epochs: string; tombstones: string }[]>`
      SELECT (SELECT count(*) FROM directory_epochs) AS epochs, (SELECT coalesce(max(seq), 0) FROM directory_tombstones) AS tombstones`
    return { epochs: Number(r?.epochs ?? 0), tombstones: Number(r?.tombstones ?? 0) }
  }

  async loadSince(epochs: number, tombstones: number): Promise<DirectoryChanges> {
    // One snapshot, so the epochs and their entries agree (an epoch commits with its entries).
    return transaction(this.#sql, async (tx) => {
      await tx`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`
      const epochRows = (await tx<EpochDbRow[]>`SELECT * FROM directory_epochs WHERE epoch >= ${epochs} ORDER BY epoch`).map(epochRow)
      const entries = (await tx<EntryDbRow[]>`SELECT * FROM directory_entries WHERE epoch >= ${epochs}`).map(entryRow)
      const [last] = await tx<{ seq: string | null }[]>`SELECT max(seq) AS seq FROM directory_tombstones WHERE seq > ${tombstones}`
      const stones = await tx<{ label: string; version: number }[]>`
        SELECT label, version FROM directory_entries
        WHERE value IS NULL AND label IN (SELECT label FROM directory_tombstones WHERE seq > ${tombstones})`
      return {
        epochs: epochRows,
        entries,
        tombstones: stones.map((t) => ({ label: t.label, version: t.version })),
        tombstonePosition: last?.seq ? Number(last.seq) : tombstones,
      }
    })
  }

  async commitEpoch(epoch: EpochRow, entries: readonly EntryRow[]): Promise<void> {
    await transaction(this.#sql, async (tx) => {
      for (const e of entries) {
        await tx`
          INSERT INTO directory_entries (label, version, epoch, search_key, commitment, value, opening)
          VALUES (${e.label}, ${e.version}, ${e.epoch}, ${buf(e.searchKey)}, ${buf(e.commitment)},
                  ${e.value ? buf(e.value) : null}, ${e.opening ? buf(e.opening) : null})`
      }
      await tx`
        INSERT INTO directory_epochs (epoch, timestamp, prefix_root, checkpoint)
        VALUES (${epoch.epoch}, ${epoch.timestamp}, ${buf(epoch.prefixRoot)}, ${epoch.checkpoint})`
    })
  }

  async countEpochs(): Promise<number> {
    const [r] = await this.#sql<{ n: string }[]>`SELECT count(*) AS n FROM directory_epochs`
    return Number(r?.n ?? 0)
  }

  async tombstone(label: string, version?: number): Promise<void> {
    await transaction(this.#sql, async (tx) => {
      // Tombstones commit one at a time, so their positions are in the order readers see them.
      await tx`SELECT pg_advisory_xact_lock(hashtext('candor.directory_tombstones'))`
      if (version === undefined) await tx`UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ${label}`
      else await tx`UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ${label} AND version = ${version}`
      await tx`INSERT INTO directory_tombstones (label, version) VALUES (${label}, ${version ?? null})`
    })
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
  return { epoch: r.epoch, timestamp: Number(r.timestamp), prefixRoot: bytes(r.prefix_root), checkpoint: r.checkpoint }
}
