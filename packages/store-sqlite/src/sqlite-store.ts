// The Store on embedded SQLite (better-sqlite3): the default for one node. Calls are
// synchronous underneath; every method runs in one transaction, and appendMessages takes a
// whole batch (the delivery service's event-loop turn) so one fsync covers many messages.
// A message for one recipient (a 1:1 conversation between single devices, the hot path) lives
// inline in its queue row; one for several recipients is stored once in `messages` and each
// queue row points at it, counting down as recipients acknowledge.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { CandorError, type AccessorRole, type DeviceId, type DeviceStatus, type GroupId, type MessageId, type MessageKind, type UserId } from '@candor/protocol'
import type {
  StoredConsent,
  ErasureCounts,
  AdminRecord,
  AccessLeaf,
  NewAccessLeaf,
  AppendResult,
  DeviceAttestation,
  CommitInput,
  CommitResult,
  Delivery,
  DeviceRecord,
  GroupRecord,
  NewMessage,
  QueuedMessage,
  Store,
} from '@candor/server/store'
import { MIGRATIONS } from './migrations.ts'
import { SqliteDirectoryStorage } from './directory-storage.ts'
import { SqliteAccessLog } from './access-log-storage.ts'
import { eraseUserIn } from './erasure.ts'
import { Checkpointer } from './checkpointer.ts'
import type { DirectoryStorage } from '@candor/transparency'

interface DeviceRow {
  device_id: string
  user_id: string
  name: string
  public_key: Buffer
  status: DeviceStatus
  created_at: number
  attested_by: string | null
  attestation: Buffer | null
}
interface QueueRow {
  seq: number
  message_id: string
  group_id: string
  sender: string
  kind: number
  sent_at: number
  payload: Buffer
}

function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id as DeviceId,
    userId: r.user_id as UserId,
    name: r.name,
    publicKey: new Uint8Array(r.public_key),
    status: r.status,
    createdAt: r.created_at,
    ...(r.attested_by && r.attestation ? { attestation: { by: r.attested_by as DeviceId, signature: new Uint8Array(r.attestation) } } : {}),
  }
}

const SEQ_BLOCK = 10_000

interface PendingWrite {
  fn: () => unknown
  /** Must survive power loss before its caller hears back (message writes); acks need not. */
  durable: boolean
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

export interface SqliteOptions {
  /** 'FULL' survives power loss; 'NORMAL' survives a killed process. Default FULL. */
  synchronous?: 'FULL' | 'NORMAL'
}

export class SqliteStore implements Store {
  /** Seqs come from one global counter (the queue's rowid): increasing per device, not contiguous. */
  readonly contiguousSeqs = false
  readonly #db: Database.Database
  readonly #s
  /** The last queue seq handed out, and the highest one meta allows before it must be raised. */
  #seq: number
  #reservedSeq: number
  /** Acknowledged recipients per shared message in the current transaction (see #applyReleases). */
  readonly #releases = new Map<number, number>()
  #writes: PendingWrite[] = []
  /** The configured synchronous level: what any transaction that must survive power loss uses. */
  readonly #synchronous: 'FULL' | 'NORMAL'

  private constructor(db: Database.Database, synchronous: 'FULL' | 'NORMAL') {
    this.#db = db
    this.#synchronous = synchronous
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: p('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
      userExists: p('SELECT 1 FROM users WHERE user_id = ?').pluck(),
      insertUser: p('INSERT INTO users (user_id, created_at) VALUES (?, ?)'),
      insertDevice: p(
        'INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getDevice: p('SELECT * FROM devices WHERE device_id = ?'),
      listDevices: p('SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, device_id'),
      setStatus: p('UPDATE devices SET status = ? WHERE device_id = ?'),
      setAttestation: p('UPDATE devices SET attested_by = ?, attestation = ? WHERE device_id = ?'),
      deleteKeyPackagesOf: p('DELETE FROM key_packages WHERE device_id = ?'),
      queueRowsOf: p('SELECT seq FROM queue WHERE device_id = ?').pluck(),
      insertNonce: p('INSERT OR IGNORE INTO nonces (nonce, expires_at) VALUES (?, ?)'),
      expireNonces: p('DELETE FROM nonces WHERE expires_at < ?'),
      insertKeyPackage: p('INSERT INTO key_packages (device_id, last_resort, data) VALUES (?, ?, ?)'),
      deleteLastResort: p('DELETE FROM key_packages WHERE device_id = ? AND last_resort = 1'),
      takeOneTime: p('DELETE FROM key_packages WHERE id = (SELECT id FROM key_packages WHERE device_id = ? AND last_resort = 0 ORDER BY id LIMIT 1) RETURNING data'),
      getLastResort: p('SELECT data FROM key_packages WHERE device_id = ? AND last_resort = 1').pluck(),
      countKeyPackages: p('SELECT last_resort, COUNT(*) AS n FROM key_packages WHERE device_id = ? GROUP BY last_resort'),
      insertGroup: p('INSERT OR IGNORE INTO groups (group_id, epoch, created_at) VALUES (?, 0, ?)'),
      getEpoch: p('SELECT epoch FROM groups WHERE group_id = ?').pluck(),
      setEpoch: p('UPDATE groups SET epoch = ? WHERE group_id = ?'),
      members: p('SELECT device_id FROM group_members WHERE group_id = ? ORDER BY device_id').pluck(),
      addMember: p('INSERT OR IGNORE INTO group_members (group_id, device_id) VALUES (?, ?)'),
      removeMember: p('DELETE FROM group_members WHERE group_id = ? AND device_id = ?'),
      groupsOf: p('SELECT group_id FROM group_members WHERE device_id = ? ORDER BY group_id').pluck(),
      findMessage: p('SELECT sent_at FROM messages WHERE sender = ? AND message_id = ? AND kind = ?').pluck(),
      insertMessage: p(
        'INSERT OR IGNORE INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      enqueue: p('INSERT INTO queue (seq, device_id, message) VALUES (?, ?, ?)'),
      enqueueInline: p(
        'INSERT OR IGNORE INTO queue (seq, device_id, sender, message_id, group_id, kind, sent_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      findInline: p('SELECT sent_at FROM queue WHERE group_id = ? AND sender = ? AND message_id = ? AND kind = ? AND message IS NULL').pluck(),
      saveSeq: p(`INSERT INTO meta (key, value) VALUES ('queue_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      fetch: p(
        `SELECT q.seq, COALESCE(q.message_id, m.message_id) AS message_id, COALESCE(q.group_id, m.group_id) AS group_id,
                COALESCE(q.sender, m.sender) AS sender, COALESCE(q.kind, m.kind) AS kind,
                COALESCE(q.sent_at, m.sent_at) AS sent_at, COALESCE(q.payload, m.payload) AS payload
         FROM queue q LEFT JOIN messages m ON m.id = q.message
         WHERE q.device_id = ? AND q.seq > ? ORDER BY q.seq LIMIT ?`,
      ),
      dequeue: p('DELETE FROM queue WHERE seq = ? AND device_id = ? RETURNING message').pluck(),
      release: p('UPDATE messages SET remaining = remaining - ? WHERE id = ? RETURNING remaining').pluck(),
      deleteMessage: p('DELETE FROM messages WHERE id = ?'),
      pending: p('SELECT COUNT(*) FROM queue WHERE device_id = ?').pluck(),
    }
    const saved = Number(this.#s.getMeta.get('queue_seq') ?? 0)
    const highest = (db.prepare('SELECT MAX(seq) FROM queue').pluck().get() as number | null) ?? 0
    this.#seq = this.#reservedSeq = Math.max(saved, highest)
  }

  /** Ends a transaction's queue work: counts down shared messages, saves the seq counter. */
  #settle(): void {
    this.#applyReleases()
    this.#persistSeq()
  }

  /**
   * A shared message counts down once per message per transaction, not once per recipient's
   * ack (a group's acks for one message tend to arrive together); the last one deletes it.
   */
  #applyReleases(): void {
    if (this.#releases.size === 0) return
    for (const [message, n] of this.#releases) {
      const left = this.#s.release.get(n, message) as number | undefined
      if (left !== undefined && left <= 0) this.#s.deleteMessage.run(message)
    }
    this.#releases.clear()
  }

  /**
   * Seqs are reserved in blocks: meta records a ceiling above every seq handed out, raised in
   * the same transaction that first goes past it, so seqs never repeat after a restart (which
   * resumes above the ceiling) while most commits leave the meta page alone.
   */
  #persistSeq(): void {
    if (this.#seq <= this.#reservedSeq) return
    this.#reservedSeq = this.#seq + SEQ_BLOCK
    this.#s.saveSeq.run(String(this.#reservedSeq))
  }

  static open(path: string, options: SqliteOptions = {}): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    // Deleted rows are zeroed in the file, so an erased account leaves no residue in free pages.
    db.pragma('secure_delete = ON')
    const version = db.pragma('user_version', { simple: true }) as number
    db.transaction(() => {
      for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] ?? '')
      db.pragma(`user_version = ${MIGRATIONS.length}`)
    })()
    const store = new SqliteStore(db, options.synchronous ?? 'FULL')
    if (path !== ':memory:') {
      db.pragma('wal_autocheckpoint = 0')
      store.#checkpointer = new Checkpointer(path, () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000')
      })
    }
    return store
  }

  /** Runs WAL checkpoints off the event loop (file databases only). */
  #checkpointer: Checkpointer | undefined

  async close(): Promise<void> {
    await this.#checkpointer?.stop()
    this.#db.close()
  }

  async getOrCreateMeta(key: string, create: () => string): Promise<string> {
    const existing = this.#s.getMeta.get(key) as string | undefined
    if (existing !== undefined) return existing
    this.#s.putMeta.run(key, create())
    return this.#s.getMeta.get(key) as string
  }

  async createUser(userId: UserId, device: DeviceRecord): Promise<void> {
    this.#db.transaction(() => {
      if (this.#s.userExists.get(userId)) throw new CandorError('user_exists', `user ${userId} already exists`)
      this.#s.insertUser.run(userId, device.createdAt)
      this.#insertDevice(device)
    })()
  }

  async userExists(userId: UserId): Promise<boolean> {
    return this.#s.userExists.get(userId) !== undefined
  }

  #insertDevice(d: DeviceRecord): void {
    try {
      this.#s.insertDevice.run(d.deviceId, d.userId, d.name, d.publicKey, d.status, d.createdAt, d.attestation?.by ?? null, d.attestation?.signature ?? null)
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new CandorError('conflict', 'this device key is already registered', { cause: e })
      }
      throw e
    }
  }

  async addDevice(device: DeviceRecord): Promise<void> {
    this.#insertDevice(device)
  }

  async getDevice(deviceId: DeviceId): Promise<DeviceRecord | null> {
    const r = this.#s.getDevice.get(deviceId) as DeviceRow | undefined
    return r ? toDevice(r) : null
  }

  async listDevices(userId: UserId): Promise<DeviceRecord[]> {
    return (this.#s.listDevices.all(userId) as DeviceRow[]).map(toDevice)
  }

  async setDeviceStatus(deviceId: DeviceId, status: DeviceStatus, attestation?: DeviceAttestation): Promise<void> {
    this.#db.transaction(() => {
      this.#s.setStatus.run(status, deviceId)
      if (attestation) this.#s.setAttestation.run(attestation.by, attestation.signature, deviceId)
      if (status !== 'revoked') return
      this.#s.deleteKeyPackagesOf.run(deviceId)
      this.#releases.clear()
      for (const seq of this.#s.queueRowsOf.all(deviceId) as number[]) this.#dequeue(deviceId, seq)
      this.#applyReleases()
    })()
  }

  async consumeNonce(nonce: string, expiresAt: number): Promise<boolean> {
    this.#s.expireNonces.run(Date.now())
    return this.#s.insertNonce.run(nonce, expiresAt).changes === 1
  }

  async addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined): Promise<void> {
    this.#db.transaction(() => {
      for (const kp of oneTime) this.#s.insertKeyPackage.run(deviceId, 0, kp)
      if (lastResort) {
        this.#s.deleteLastResort.run(deviceId)
        this.#s.insertKeyPackage.run(deviceId, 1, lastResort)
      }
    })()
  }

  async claimKeyPackage(deviceId: DeviceId): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null> {
    const one = this.#s.takeOneTime.get(deviceId) as { data: Buffer } | undefined
    if (one) return { keyPackage: new Uint8Array(one.data), lastResort: false }
    const last = this.#s.getLastResort.get(deviceId) as Buffer | undefined
    return last ? { keyPackage: new Uint8Array(last), lastResort: true } : null
  }

  async countKeyPackages(deviceId: DeviceId): Promise<{ oneTime: number; lastResort: boolean }> {
    const rows = this.#s.countKeyPackages.all(deviceId) as Array<{ last_resort: number; n: number }>
    return {
      oneTime: rows.find((r) => r.last_resort === 0)?.n ?? 0,
      lastResort: rows.some((r) => r.last_resort === 1 && r.n > 0),
    }
  }

  async createGroup(groupId: GroupId, creator: DeviceId, createdAt: number): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#s.insertGroup.run(groupId, createdAt).changes !== 1) return false
      this.#s.addMember.run(groupId, creator)
      return true
    })()
  }

  #group(groupId: GroupId): GroupRecord | null {
    const epoch = this.#s.getEpoch.get(groupId) as number | undefined
    if (epoch === undefined) return null
    return { groupId, epoch, members: this.#s.members.all(groupId) as DeviceId[] }
  }

  async getGroup(groupId: GroupId): Promise<GroupRecord | null> {
    return this.#group(groupId)
  }

  async listGroups(deviceId: DeviceId): Promise<GroupRecord[]> {
    const ids = this.#s.groupsOf.all(deviceId) as GroupId[]
    return ids.map((g) => this.#group(g)).filter((g): g is GroupRecord => g !== null)
  }

  async removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void> {
    this.#s.removeMember.run(groupId, deviceId)
  }

  #store(m: NewMessage): AppendResult {
    const recipients = m.recipients
    // Nobody to deliver to (the sender is alone in the group): nothing is kept.
    if (recipients.length === 0) return { duplicate: false, sentAt: m.sentAt, deliveries: [] }
    // A retry is a no-op (unique indexes on both forms); the other form is checked too, in case
    // the recipient count changed between the first attempt and the retry.
    if (recipients.length === 1) {
      const deviceId = recipients[0]!
      const shared = this.#s.findMessage.get(m.sender, m.messageId, m.kind) as number | undefined
      if (shared !== undefined) return { duplicate: true, sentAt: shared, deliveries: [] }
      const seq = this.#seq + 1
      const { changes } = this.#s.enqueueInline.run(seq, deviceId, m.sender, m.messageId, m.groupId, m.kind, m.sentAt, m.payload)
      if (changes === 0) {
        const prior = this.#s.findInline.get(m.groupId, m.sender, m.messageId, m.kind) as number
        return { duplicate: true, sentAt: prior, deliveries: [] }
      }
      this.#seq = seq
      return { duplicate: false, sentAt: m.sentAt, deliveries: [{ deviceId, seq }] }
    }
    const inline = this.#s.findInline.get(m.groupId, m.sender, m.messageId, m.kind) as number | undefined
    if (inline !== undefined) return { duplicate: true, sentAt: inline, deliveries: [] }
    const { changes, lastInsertRowid } = this.#s.insertMessage.run(
      m.sender,
      m.messageId,
      m.groupId,
      m.kind,
      m.sentAt,
      m.payload,
      recipients.length,
    )
    if (changes === 0) {
      const prior = this.#s.findMessage.get(m.sender, m.messageId, m.kind) as number
      return { duplicate: true, sentAt: prior, deliveries: [] }
    }
    const deliveries: Delivery[] = []
    for (const deviceId of recipients) {
      const seq = ++this.#seq
      this.#s.enqueue.run(seq, deviceId, lastInsertRowid)
      deliveries.push({ deviceId, seq })
    }
    return { duplicate: false, sentAt: m.sentAt, deliveries }
  }

  /**
   * The caller has batched already (the delivery service's turn), so the transaction runs now,
   * taking along the acks queued so far this turn (see #write).
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const stored = this.#write(() => batch.map((m) => this.#store(m)), true)
    this.#flushWrites()
    return stored
  }

  async acceptCommit(c: CommitInput): Promise<CommitResult> {
    return this.#queueTransaction((): CommitResult => {
      const group = this.#group(c.groupId)
      if (!group) throw new CandorError('unknown_group', 'no such group')
      if (group.epoch !== c.epoch) return { accepted: false, epoch: group.epoch }
      const epoch = group.epoch + 1
      this.#s.setEpoch.run(epoch, c.groupId)
      for (const d of c.removed) this.#s.removeMember.run(c.groupId, d)
      for (const d of c.added) this.#s.addMember.run(c.groupId, d)
      const added = new Set(c.added)
      const commitTo = group.members.filter((d) => d !== c.sender && !added.has(d))
      const deliveries = this.#store({
        messageId: c.messageId,
        groupId: c.groupId,
        sender: c.sender,
        kind: 1,
        sentAt: c.sentAt,
        payload: c.commit,
        recipients: commitTo,
      }).deliveries
      if (c.welcome && c.added.length > 0) {
        // The welcome shares the commit's id; (sender, id, kind) keeps them apart.
        deliveries.push(
          ...this.#store({
            messageId: c.messageId,
            groupId: c.groupId,
            sender: c.sender,
            kind: 2,
            sentAt: c.sentAt,
            payload: c.welcome,
            recipients: c.added,
          }).deliveries,
        )
      }
      return { accepted: true, epoch, sentAt: c.sentAt, deliveries }
    })
  }

  async fetchQueue(deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    return (this.#s.fetch.all(deviceId, afterSeq, limit) as QueueRow[]).map((r) => ({
      seq: r.seq,
      messageId: r.message_id as MessageId,
      groupId: r.group_id as GroupId,
      sender: r.sender as DeviceId,
      kind: r.kind as MessageKind,
      sentAt: r.sent_at,
      payload: new Uint8Array(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength),
    }))
  }

  #dequeue(deviceId: DeviceId, seq: number): boolean {
    const message = this.#s.dequeue.get(seq, deviceId) as number | null | undefined
    if (message === undefined) return false
    if (message !== null) this.#releases.set(message, (this.#releases.get(message) ?? 0) + 1)
    return true
  }

  /**
   * An ack needs no reply, so it shares the turn's transaction. Nor does it need an fsync of its
   * own: an ack lost to a power cut only means the message is delivered again, and the device
   * drops it by id. A turn with only acks commits without one (see #flushWrites).
   */
  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    return this.#write(() => {
      let n = 0
      for (const s of seqs) if (this.#dequeue(deviceId, s)) n++
      return n
    }, false)
  }

  /**
   * Group commit: the message writes and acks of one event-loop turn, from every connection,
   * run in one transaction, so one fsync covers them all. Each caller learns its own outcome.
   */
  #write<T>(fn: () => T, durable: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#writes.push({ fn, durable, resolve: resolve as (v: unknown) => void, reject })
      if (this.#writes.length === 1) setImmediate(() => this.#flushWrites())
    })
  }

  #flushWrites(): void {
    const batch = this.#writes
    if (batch.length === 0) return
    this.#writes = []
    // WAL with synchronous=NORMAL commits without an fsync; a later durable commit's fsync
    // covers these frames too, and the WAL keeps commit order, so nothing durable depends on them.
    const lazy = this.#synchronous === 'FULL' && !batch.some((w) => w.durable)
    if (lazy) this.#db.pragma('synchronous = NORMAL')
    try {
      this.#runWrites(batch)
    } finally {
      if (lazy) this.#db.pragma('synchronous = FULL')
    }
  }

  #runWrites(batch: readonly PendingWrite[]): void {
    let values: unknown[]
    try {
      values = this.#queueTransaction(() => batch.map((w) => w.fn()))
    } catch {
      // Something in the batch failed and the whole transaction rolled back: redo each write in
      // its own transaction, so only the failing one fails.
      for (const w of batch) {
        try {
          w.resolve(this.#queueTransaction(w.fn))
        } catch (error) {
          w.reject(error)
        }
      }
      return
    }
    batch.forEach((w, i) => w.resolve(values[i]))
  }

  /**
   * One transaction of queue work: releases and the seq reservation settle inside it; if it
   * rolls back, the in-memory reservation is re-read, so it never runs ahead of the file.
   */
  #queueTransaction<T>(fn: () => T): T {
    try {
      return this.#db.transaction(() => {
        this.#releases.clear()
        const v = fn()
        this.#settle()
        return v
      })()
    } catch (e) {
      this.#reservedSeq = Number(this.#s.getMeta.get('queue_seq') ?? 0)
      throw e
    }
  }

  /** One process owns an SQLite store; the directory service serialises its own publications. */
  withDirectoryLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn()
  }

  directoryStorage(): DirectoryStorage {
    return new SqliteDirectoryStorage(this.#db)
  }

  async pendingCount(deviceId: DeviceId): Promise<number> {
    return this.#s.pending.get(deviceId) as number
  }

  // ---- access log (data ownership) ----
  #accessLog: SqliteAccessLog | undefined

  async appendAccessLeaf(leaf: NewAccessLeaf): Promise<number> {
    return (this.#accessLog ??= new SqliteAccessLog(this.#db)).append(leaf)
  }

  async accessLeafHashes(fromIndex: number, limit: number): Promise<Uint8Array[]> {
    return (this.#accessLog ??= new SqliteAccessLog(this.#db)).hashes(fromIndex, limit)
  }

  async accessLeavesOf(subject: UserId, now: number): Promise<AccessLeaf[]> {
    return (this.#accessLog ??= new SqliteAccessLog(this.#db)).leavesOf(subject, now)
  }

  // ---- administrators (data ownership) ----
  async addAdmin(a: AdminRecord): Promise<boolean> {
    const r = this.#db
      .prepare('INSERT OR IGNORE INTO admins (user_id, role, org, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)')
      .run(a.userId, a.role, a.org, a.grantedBy, a.grantedAt)
    return r.changes === 1
  }

  async getAdmin(userId: UserId): Promise<AdminRecord | null> {
    const r = this.#db.prepare('SELECT * FROM admins WHERE user_id = ?').get(userId) as
      | { user_id: string; role: AccessorRole; org: string; granted_by: string | null; granted_at: number }
      | undefined
    return r ? { userId: r.user_id as UserId, role: r.role, org: r.org, grantedBy: r.granted_by as UserId | null, grantedAt: r.granted_at } : null
  }

  async countAdmins(): Promise<number> {
    return this.#db.prepare('SELECT COUNT(*) FROM admins').pluck().get() as number
  }

  async listAdmins(): Promise<AdminRecord[]> {
    const rows = this.#db.prepare('SELECT * FROM admins ORDER BY granted_at, user_id').all() as Array<{ user_id: string; role: AccessorRole; org: string; granted_by: string | null; granted_at: number }>
    return rows.map((r) => ({ userId: r.user_id as UserId, role: r.role, org: r.org, grantedBy: r.granted_by as UserId | null, grantedAt: r.granted_at }))
  }

  async removeAdmin(userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'> {
    // One writer at a time on SQLite: the check and the delete cannot interleave with another revocation.
    return this.#db.transaction(() => {
      const role = this.#db.prepare('SELECT role FROM admins WHERE user_id = ?').pluck().get(userId) as AccessorRole | undefined
      if (role === undefined) return 'not_admin' as const
      if (role === 'operator' && (this.#db.prepare("SELECT COUNT(*) FROM admins WHERE role = 'operator'").pluck().get() as number) <= 1) return 'last_operator' as const
      this.#db.prepare('DELETE FROM admins WHERE user_id = ?').run(userId)
      return 'removed' as const
    }).immediate()
  }

  // ---- erasure (data ownership) ----
  async eraseUser(userId: UserId): Promise<ErasureCounts> {
    return eraseUserIn(this.#db, userId)
  }

  async purgeDeleted(): Promise<void> {
    this.#db.pragma('wal_checkpoint(TRUNCATE)')
  }

  // ---- consent ledger (data ownership) ----
  async appendConsent(userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number> {
    return Number(this.#db.prepare('INSERT INTO consents (user_id, record, signature, at) VALUES (?, ?, ?, ?)').run(userId, record, Buffer.from(signature), at).lastInsertRowid)
  }

  async listConsents(userId: UserId): Promise<StoredConsent[]> {
    const rows = this.#db.prepare('SELECT seq, record, signature, at FROM consents WHERE user_id = ? ORDER BY seq').all(userId) as Array<{ seq: number; record: string; signature: Buffer; at: number }>
    return rows.map((r) => ({ seq: r.seq, record: r.record, signature: new Uint8Array(r.signature), at: r.at }))
  }

  // ---- retention (data ownership) ----
  async setRetention(groupId: GroupId, retentionMs: number | null): Promise<void> {
    if (retentionMs === null) this.#db.prepare('DELETE FROM group_retention WHERE group_id = ?').run(groupId)
    else this.#db.prepare('INSERT INTO group_retention (group_id, retention_ms) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET retention_ms = excluded.retention_ms').run(groupId, retentionMs)
  }

  async getRetention(groupId: GroupId): Promise<number | null> {
    return (this.#db.prepare('SELECT retention_ms FROM group_retention WHERE group_id = ?').pluck().get(groupId) as number | undefined) ?? null
  }

  async expireMessages(now: number): Promise<number> {
    return this.#db.transaction(() => {
      const timers = this.#db.prepare('SELECT group_id, retention_ms FROM group_retention').all() as Array<{ group_id: string; retention_ms: number }>
      if (timers.length === 0) return 0
      // Only application messages expire: commits and welcomes carry no content, and a device
      // offline past the timer still needs them to follow the group.
      const inline = this.#db.prepare('DELETE FROM queue WHERE group_id = ? AND message IS NULL AND kind = 0 AND sent_at <= ?')
      let n = 0
      for (const t of timers) n += inline.run(t.group_id, now - t.retention_ms).changes
      const expired = `SELECT m.id FROM messages m JOIN group_retention r ON r.group_id = m.group_id WHERE m.kind = 0 AND m.sent_at + r.retention_ms <= ?`
      if (this.#db.prepare(`SELECT EXISTS (${expired})`).pluck().get(now)) {
        this.#db.prepare(`DELETE FROM queue WHERE message IN (${expired})`).run(now)
        n += this.#db.prepare(`DELETE FROM messages WHERE id IN (${expired})`).run(now).changes
      }
      return n
    }).immediate()
  }
}
