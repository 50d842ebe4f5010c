// Conversation resets on SQLite (docs/protocol.md §5.4): the new group and the record that it
// replaced the previous one, written together; each group is reset at most once.
import type Database from 'better-sqlite3'
import type { DeviceId, GroupId } from '@candor/protocol'
import type { GroupReset, ResetResult } from '@candor/ports'

interface Row {
  previous_group: GroupId
  group_id: GroupId
  conversation_id: GroupId
  epoch: number
  reset_by: DeviceId
  reset_at: number
}

function toReset(r: Row | undefined): GroupReset | null {
  if (!r) return null
  return { conversationId: r.conversation_id, previousGroup: r.previous_group, groupId: r.group_id, epoch: r.epoch, resetBy: r.reset_by, resetAt: r.reset_at }
}

export class SqliteGroupResets {
  readonly #db: Database.Database
  /** Read on every send whose roster is not cached (group-roster.ts), so prepared once. */
  readonly #s

  constructor(db: Database.Database) {
    this.#db = db
    this.#s = {
      from: db.prepare('SELECT * FROM group_resets WHERE group_id = ?'),
      to: db.prepare('SELECT * FROM group_resets WHERE previous_group = ?'),
    }
  }

  reset(r: GroupReset, groupInfo: Uint8Array | undefined): ResetResult {
    return this.#db.transaction((): ResetResult => {
      const existing = this.#byPrevious(r.previousGroup)
      if (existing) return { reset: false, existing }
      if (this.#db.prepare('INSERT OR IGNORE INTO groups (group_id, epoch, created_at, group_info) VALUES (?, 0, ?, ?)').run(r.groupId, r.resetAt, groupInfo ?? null).changes !== 1) {
        return { reset: false, existing: null }
      }
      this.#db.prepare('INSERT INTO group_members (group_id, device_id) VALUES (?, ?)').run(r.groupId, r.resetBy)
      this.#db
        .prepare('INSERT INTO group_resets (previous_group, group_id, conversation_id, epoch, reset_by, reset_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(r.previousGroup, r.groupId, r.conversationId, r.epoch, r.resetBy, r.resetAt)
      return { reset: true }
    }).immediate()
  }

  of(groupId: GroupId): { from: GroupReset | null; to: GroupReset | null } {
    return { from: toReset(this.#s.from.get(groupId) as Row | undefined), to: this.#byPrevious(groupId) }
  }

  #byPrevious(groupId: GroupId): GroupReset | null {
    return toReset(this.#s.to.get(groupId) as Row | undefined)
  }
}
