// Recovery keys and sealed history archives on SQLite (AccountRecoveryStorage of @candor/ports).
// Setting a recovery key is a compare-and-set on the current one, in the transaction that also
// records the person's directory update, so a replayed statement for a replaced key changes nothing.
import type Database from 'better-sqlite3'
import type { DeviceId, UserId } from '@candor/protocol'
import type { AccountRecoveryStorage, ArchiveRecipient, ArchiveRecord, RecoveryKeyRecord } from '@candor/ports'
import type { SqliteLifecycle } from './lifecycle-storage.ts'

interface KeyRow {
  user_id: string
  public_key: Buffer
  previous: Buffer | null
  set_by: string
  set_by_key: Buffer
  signature: Buffer
  set_at: number
}
interface ArchiveRow {
  archive_id: string
  user_id: string
  recipient: string
  sender: string
  size: number
  created_at: number
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b)
const same = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === null || b === null ? a === b : a.length === b.length && a.every((x, i) => x === b[i])

function toKey(r: KeyRow): RecoveryKeyRecord {
  return {
    userId: r.user_id as UserId,
    publicKey: bytes(r.public_key),
    previous: r.previous ? bytes(r.previous) : null,
    setBy: r.set_by as DeviceId,
    setByKey: bytes(r.set_by_key),
    signature: bytes(r.signature),
    setAt: r.set_at,
  }
}

function toArchive(r: ArchiveRow): ArchiveRecord {
  return { archiveId: r.archive_id, userId: r.user_id as UserId, recipient: r.recipient as ArchiveRecipient, sender: r.sender as DeviceId, size: r.size, createdAt: r.created_at }
}

export class SqliteAccountRecovery implements AccountRecoveryStorage {
  readonly #db: Database.Database
  readonly #lifecycle: SqliteLifecycle
  readonly #s

  constructor(db: Database.Database, lifecycle: SqliteLifecycle) {
    this.#db = db
    this.#lifecycle = lifecycle
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      keys: p('SELECT * FROM recovery_keys WHERE user_id = ? ORDER BY seq'),
      current: p('SELECT * FROM recovery_keys WHERE user_id = ? ORDER BY seq DESC LIMIT 1'),
      insertKey: p('INSERT INTO recovery_keys (user_id, public_key, previous, set_by, set_by_key, signature, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      sameRecipient: p('SELECT archive_id FROM history_archives WHERE user_id = ? AND recipient = ?').pluck(),
      deleteArchive: p('DELETE FROM history_archives WHERE archive_id = ?'),
      insertArchive: p('INSERT INTO history_archives (archive_id, user_id, recipient, sender, size, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      getArchive: p('SELECT * FROM history_archives WHERE archive_id = ?'),
      archivesOf: p('SELECT * FROM history_archives WHERE user_id = ? ORDER BY created_at, archive_id'),
    }
  }

  async setRecoveryKey(r: RecoveryKeyRecord): Promise<boolean> {
    return this.#db.transaction(() => {
      const current = this.#s.current.get(r.userId) as KeyRow | undefined
      if (!same(current ? bytes(current.public_key) : null, r.previous)) return false
      this.#s.insertKey.run(r.userId, r.publicKey, r.previous, r.setBy, r.setByKey, r.signature, r.setAt)
      this.#lifecycle.record(r.userId)
      return true
    }).immediate()
  }

  async recoveryKeys(userId: UserId): Promise<RecoveryKeyRecord[]> {
    return (this.#s.keys.all(userId) as KeyRow[]).map(toKey)
  }

  async putArchive(a: ArchiveRecord): Promise<string[]> {
    return this.#db.transaction(() => {
      const replaced = this.#s.sameRecipient.all(a.userId, a.recipient) as string[]
      for (const id of replaced) this.#s.deleteArchive.run(id)
      this.#s.insertArchive.run(a.archiveId, a.userId, a.recipient, a.sender, a.size, a.createdAt)
      return replaced
    }).immediate()
  }

  async getArchive(archiveId: string): Promise<ArchiveRecord | null> {
    const r = this.#s.getArchive.get(archiveId) as ArchiveRow | undefined
    return r ? toArchive(r) : null
  }

  async archivesOf(userId: UserId): Promise<ArchiveRecord[]> {
    return (this.#s.archivesOf.all(userId) as ArchiveRow[]).map(toArchive)
  }

  async deleteArchive(archiveId: string): Promise<boolean> {
    return this.#s.deleteArchive.run(archiveId).changes === 1
  }
}
