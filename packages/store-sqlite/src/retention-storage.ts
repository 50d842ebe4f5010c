// Disappearing-message timers on SQLite, and the sweep that deletes past-timer ciphertext,
// delivered or not.
import type Database from 'better-sqlite3'
import type { GroupId } from '@candor/protocol'

export class SqliteRetention {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  set(groupId: GroupId, retentionMs: number | null): void {
    if (retentionMs === null) this.#db.prepare('DELETE FROM group_retention WHERE group_id = ?').run(groupId)
    else this.#db.prepare('INSERT INTO group_retention (group_id, retention_ms) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET retention_ms = excluded.retention_ms').run(groupId, retentionMs)
  }

  get(groupId: GroupId): number | null {
    return (this.#db.prepare('SELECT retention_ms FROM group_retention WHERE group_id = ?').pluck().get(groupId) as number | undefined) ?? null
  }

  expire(now: number): number {
    return this.#db.transaction(() => {
      const timers = this.#db.prepare('SELECT group_id, retention_ms FROM group_retention').all() as Array<{ group_id: string; retention_ms: number }>
      if (timers.length === 0) return 0
      // Only application messages expire: commits and welcomes carry no content, and a device
      // offline past the timer still needs them to follow the group.
      // One pass over the queue (it has no index by group; it holds what is not yet acknowledged).
      let n = this.#db
        .prepare(
          `DELETE FROM queue WHERE message IS NULL AND kind = 0
             AND sent_at + (SELECT r.retention_ms FROM group_retention r WHERE r.group_id = queue.group_id) <= ?`,
        )
        .run(now).changes
      const expired = `SELECT m.id FROM messages m JOIN group_retention r ON r.group_id = m.group_id WHERE m.kind = 0 AND m.sent_at + r.retention_ms <= ?`
      if (this.#db.prepare(`SELECT EXISTS (${expired})`).pluck().get(now)) {
        this.#db.prepare(`DELETE FROM queue WHERE message IN (${expired})`).run(now)
        n += this.#db.prepare(`DELETE FROM messages WHERE id IN (${expired})`).run(now).changes
      }
      return n
    }).immediate()
  }
}
