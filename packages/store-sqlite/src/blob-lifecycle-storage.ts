// Attachment lifecycle on SQLite (docs/protocol.md §2.4 "Lifecycle"): the recipients and expiry
// fixed at a blob's completion, each recipient's fetch, and the blobs that may go.
import type Database from 'better-sqlite3'
import type { DeviceId } from '@candor/protocol'
import type { BlobDelivery, BlobId } from '@candor/ports'

/** A sealed blob with recipients none of whom, still a member of its group, is yet to fetch it. */
const FETCHED_BY_ALL = `
  b.expires_at IS NOT NULL AND b.recipients > 0
  AND NOT EXISTS (
    SELECT 1 FROM blob_recipients r JOIN group_members m ON m.group_id = b.group_id AND m.device_id = r.device_id
    WHERE r.blob_id = b.blob_id AND r.fetched_at IS NULL)`

export class SqliteBlobLifecycle {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  seal(blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): boolean {
    return this.#db.transaction((): boolean => {
      const unique = [...new Set(recipients)]
      const set = this.#db
        .prepare('UPDATE blob_bindings SET expires_at = ?, recipients = ? WHERE blob_id = ? AND expires_at IS NULL')
        .run(expiresAt, unique.length, blobId)
      if (set.changes !== 1) return false
      const add = this.#db.prepare('INSERT OR IGNORE INTO blob_recipients (blob_id, device_id, fetched_at) VALUES (?, ?, NULL)')
      for (const d of unique) add.run(blobId, d)
      return true
    }).immediate()
  }

  delivery(blobId: BlobId): BlobDelivery | null {
    const b = this.#db.prepare('SELECT expires_at, recipients FROM blob_bindings WHERE blob_id = ? AND expires_at IS NOT NULL').get(blobId) as
      | { expires_at: number; recipients: number }
      | undefined
    if (!b) return null
    const rows = this.#db.prepare('SELECT device_id, fetched_at FROM blob_recipients WHERE blob_id = ? ORDER BY device_id').all(blobId) as Array<{
      device_id: DeviceId
      fetched_at: number | null
    }>
    return { expiresAt: b.expires_at, count: b.recipients, recipients: rows.map((r) => ({ deviceId: r.device_id, fetchedAt: r.fetched_at })) }
  }

  markFetched(blobId: BlobId, deviceId: DeviceId, at: number): boolean {
    return this.#db.transaction((): boolean => {
      const known = this.#db.prepare('SELECT 1 FROM blob_recipients WHERE blob_id = ? AND device_id = ?').get(blobId, deviceId)
      if (!known) return false
      this.#db.prepare('UPDATE blob_recipients SET fetched_at = ? WHERE blob_id = ? AND device_id = ? AND fetched_at IS NULL').run(at, blobId, deviceId)
      return true
    }).immediate()
  }

  fetchedByAll(limit: number, only?: BlobId): BlobId[] {
    const n = Math.max(0, limit)
    if (only !== undefined) {
      return this.#db.prepare(`SELECT b.blob_id FROM blob_bindings b WHERE b.blob_id = ? AND ${FETCHED_BY_ALL}`).pluck().all(only) as BlobId[]
    }
    return this.#db.prepare(`SELECT b.blob_id FROM blob_bindings b WHERE ${FETCHED_BY_ALL} ORDER BY b.bound_at LIMIT ?`).pluck().all(n) as BlobId[]
  }

  expired(now: number, limit: number): BlobId[] {
    return this.#db
      .prepare('SELECT blob_id FROM blob_bindings WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, blob_id LIMIT ?')
      .pluck()
      .all(now, Math.max(0, limit)) as BlobId[]
  }
}
