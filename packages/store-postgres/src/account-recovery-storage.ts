// Recovery keys and sealed history archives on PostgreSQL (AccountRecoveryStorage of
// @candor/ports). Setting a recovery key is a compare-and-set on the current one under the
// person's users row lock, in the transaction that also records their directory update.
import type { DeviceId, UserId } from '@candor/protocol'
import type { AccountRecoveryStorage, ArchiveRecipient, ArchiveRecord, RecoveryKeyRecord } from '@candor/ports'
import { buf, bytes, transaction, type Sql } from './connection.ts'
import { recordDirectoryUpdate } from './lifecycle-storage.ts'

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
    setAt: Number(r.set_at),
  }
}

function toArchive(r: ArchiveRow): ArchiveRecord {
  return {
    archiveId: r.archive_id,
    userId: r.user_id as UserId,
    recipient: r.recipient as ArchiveRecipient,
    sender: r.sender as DeviceId,
    size: Number(r.size),
    createdAt: Number(r.created_at),
  }
}

export class PostgresAccountRecovery implements AccountRecoveryStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  setRecoveryKey(r: RecoveryKeyRecord): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      const [user] = await tx`SELECT 1 FROM users WHERE user_id = ${r.userId} FOR UPDATE`
      if (!user) return false
      const [current] = await tx<KeyRow[]>`SELECT * FROM recovery_keys WHERE user_id = ${r.userId} ORDER BY seq DESC LIMIT 1`
      if (!same(current ? bytes(current.public_key) : null, r.previous)) return false
      await tx`
        INSERT INTO recovery_keys (user_id, public_key, previous, set_by, set_by_key, signature, set_at)
        VALUES (${r.userId}, ${buf(r.publicKey)}, ${r.previous ? buf(r.previous) : null}, ${r.setBy}, ${buf(r.setByKey)}, ${buf(r.signature)}, ${r.setAt})`
      await recordDirectoryUpdate(tx, r.userId)
      return true
    })
  }

  async recoveryKeys(userId: UserId): Promise<RecoveryKeyRecord[]> {
    return (await this.#sql<KeyRow[]>`SELECT * FROM recovery_keys WHERE user_id = ${userId} ORDER BY seq`).map(toKey)
  }

  putArchive(a: ArchiveRecord): Promise<string[]> {
    return transaction(this.#sql, async (tx) => {
      const gone = await tx<{ archive_id: string }[]>`DELETE FROM history_archives WHERE user_id = ${a.userId} AND recipient = ${a.recipient} RETURNING archive_id`
      await tx`
        INSERT INTO history_archives (archive_id, user_id, recipient, sender, size, created_at)
        VALUES (${a.archiveId}, ${a.userId}, ${a.recipient}, ${a.sender}, ${a.size}, ${a.createdAt})`
      return gone.map((r) => r.archive_id)
    })
  }

  async getArchive(archiveId: string): Promise<ArchiveRecord | null> {
    const [r] = await this.#sql<ArchiveRow[]>`SELECT * FROM history_archives WHERE archive_id = ${archiveId}`
    return r ? toArchive(r) : null
  }

  async archivesOf(userId: UserId): Promise<ArchiveRecord[]> {
    return (await this.#sql<ArchiveRow[]>`SELECT * FROM history_archives WHERE user_id = ${userId} ORDER BY created_at, archive_id`).map(toArchive)
  }

  async deleteArchive(archiveId: string): Promise<boolean> {
    return (await this.#sql`DELETE FROM history_archives WHERE archive_id = ${archiveId} RETURNING 1`).length === 1
  }
}
