// The key directory's rows in PostgreSQL. Only one node publishes epochs at a time (it holds
// the directory lock, see the server's directory service); every node can read.
import type { DirectoryStorage, EntryRow, EpochRow } from '@candor/transparency'
import { bytes, transaction, type Sql } from './connection.ts'

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

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

export class PostgresDirectoryStorage implements DirectoryStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async loadEntries(): Promise<readonly EntryRow[]> {
    const rows = await this.#sql<EntryDbRow[]>`SELECT * FROM directory_entries`
    return rows.map((r) => ({
      label: r.label,
      version: r.version,
      epoch: r.epoch,
      searchKey: bytes(r.search_key),
      commitment: bytes(r.commitment),
      value: r.value ? bytes(r.value) : null,
      opening: r.opening ? bytes(r.opening) : null,
    }))
  }

  async loadEpochs(): Promise<readonly EpochRow[]> {
    const rows = await this.#sql<EpochDbRow[]>`SELECT * FROM directory_epochs ORDER BY epoch`
    return rows.map((r) => ({ epoch: r.epoch, timestamp: Number(r.timestamp), prefixRoot: bytes(r.prefix_root), checkpoint: r.checkpoint }))
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
    if (version === undefined) await this.#sql`UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ${label}`
    else await this.#sql`UPDATE directory_entries SET value = NULL, opening = NULL WHERE label = ${label} AND version = ${version}`
  }
}
