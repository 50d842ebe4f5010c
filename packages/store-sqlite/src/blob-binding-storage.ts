// Which group each attachment blob belongs to, and its uploader, on SQLite (docs/protocol.md §2.4).
import type Database from 'better-sqlite3'
import type { GroupId, UserId } from '@candor/protocol'
import type { BlobBinding, BlobId } from '@candor/ports'

interface Row {
  blob_id: BlobId
  group_id: GroupId
  uploader: UserId | null
  size: number
  bound_at: number
}

function toBinding(r: Row): BlobBinding {
  return { blobId: r.blob_id, groupId: r.group_id, uploader: r.uploader, size: r.size, boundAt: r.bound_at }
}

export class SqliteBlobBindings {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  bind(b: BlobBinding): boolean {
    return (
      this.#db
        .prepare('INSERT OR IGNORE INTO blob_bindings (blob_id, group_id, uploader, size, bound_at) VALUES (?, ?, ?, ?, ?)')
        .run(b.blobId, b.groupId, b.uploader, b.size, b.boundAt).changes === 1
    )
  }

  get(blobId: BlobId): BlobBinding | null {
    const r = this.#db.prepare('SELECT * FROM blob_bindings WHERE blob_id = ?').get(blobId) as Row | undefined
    return r ? toBinding(r) : null
  }

  unbind(blobId: BlobId): boolean {
    this.#db.prepare('DELETE FROM blob_recipients WHERE blob_id = ?').run(blobId)
    return this.#db.prepare('DELETE FROM blob_bindings WHERE blob_id = ?').run(blobId).changes === 1
  }

  bytesOf(uploader: UserId): number {
    return (this.#db.prepare('SELECT coalesce(sum(size), 0) FROM blob_bindings WHERE uploader = ?').pluck().get(uploader) as number) ?? 0
  }

  of(uploader: UserId, limit: number): BlobBinding[] {
    return (this.#db.prepare('SELECT * FROM blob_bindings WHERE uploader = ? ORDER BY bound_at, blob_id LIMIT ?').all(uploader, Math.max(0, limit)) as Row[]).map(toBinding)
  }

  withoutMembers(limit: number): BlobId[] {
    return this.#db
      .prepare('SELECT blob_id FROM blob_bindings b WHERE NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = b.group_id) ORDER BY bound_at LIMIT ?')
      .pluck()
      .all(Math.max(0, limit)) as BlobId[]
  }
}
