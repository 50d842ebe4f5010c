// The device lifecycle's bookkeeping on SQLite: reserved user ids of erased accounts, and the
// key directory's backlog — a row per user whose entry must be published again, written inside
// the transaction that changed the user's devices, so a crash before publication loses nothing.
import type Database from 'better-sqlite3'
import { CandorError, erasedUserIdDigest, type DeviceId, type GroupId, type UserId } from '@candor/protocol'
import type { DirectoryBacklogEntry } from '@candor/ports'

export class SqliteLifecycle {
  readonly #s

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      reserved: p('SELECT 1 FROM erased_user_ids WHERE digest = ?').pluck(),
      reserve: p('INSERT OR IGNORE INTO erased_user_ids (digest) VALUES (?)'),
      record: p('INSERT INTO directory_backlog (user_id, erased) VALUES (?, ?)'),
      backlog: p('SELECT seq, user_id, erased FROM directory_backlog ORDER BY seq LIMIT ?'),
      clear: p('DELETE FROM directory_backlog WHERE seq = ?'),
      revoke: p("UPDATE devices SET status = 'revoked' WHERE device_id = ?"),
      groupsOf: p('DELETE FROM group_members WHERE device_id = ? RETURNING group_id').pluck(),
      remember: p('INSERT OR IGNORE INTO revoked_memberships (user_id, group_id) VALUES (?, ?)'),
      former: p('SELECT group_id FROM revoked_memberships WHERE user_id = ? ORDER BY group_id').pluck(),
      keyPackages: p('DELETE FROM key_packages WHERE device_id = ?'),
      push: p('DELETE FROM push_subscriptions WHERE device_id = ?'),
    }
  }

  /** Inside the caller's transaction: refuses the id of an erased account. */
  refuseReserved(userId: UserId): void {
    if (this.#s.reserved.get(erasedUserIdDigest(userId))) {
      throw new CandorError('user_id_reserved', `the user id ${userId} belonged to an erased account and is never given out again`)
    }
  }

  /** Inside the caller's transaction. */
  reserve(userId: UserId): void {
    this.#s.reserve.run(erasedUserIdDigest(userId))
  }

  /** Inside the caller's transaction. */
  record(userId: UserId, erased = false): void {
    this.#s.record.run(userId, erased ? 1 : 0)
  }

  /** Inside the caller's (queue) transaction: everything of revokeDevice but the queue. */
  revoke(deviceId: DeviceId, userId: UserId): GroupId[] {
    this.#s.revoke.run(deviceId)
    this.#s.keyPackages.run(deviceId)
    this.#s.push.run(deviceId)
    const groups = (this.#s.groupsOf.all(deviceId) as GroupId[]).sort()
    for (const g of groups) this.#s.remember.run(userId, g)
    this.record(userId)
    return groups
  }

  /** Groups devices of this user left by their revocation (Store.formerGroups). */
  formerGroups(userId: UserId): GroupId[] {
    return this.#s.former.all(userId) as GroupId[]
  }

  backlog(limit: number): DirectoryBacklogEntry[] {
    const rows = this.#s.backlog.all(limit) as Array<{ seq: number; user_id: string; erased: number }>
    return rows.map((r) => ({ seq: r.seq, userId: r.user_id as UserId, erased: r.erased === 1 }))
  }

  clear(seqs: readonly number[]): void {
    for (const seq of seqs) this.#s.clear.run(seq)
  }
}
