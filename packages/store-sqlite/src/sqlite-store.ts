// The Store on embedded SQLite (better-sqlite3): the default for one node. Calls are
// synchronous underneath; every method runs in one transaction. Users, devices, key packages
// and groups live here; the message queue (the hot path) in queue-storage.ts, and the
// key directory, access log, administrators, consents, retention, enrolment requests and
// witness cosignatures each in their own file.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { CandorError, DEFAULT_ORG_ID, type DeviceId, type DeviceStatus, type GroupId, type MessageId, type OrgId, type SignupMode, type UserId } from '@candor/protocol'
import type {
  ContactStorage,
  AccountRecoveryStorage,
  GovernanceStorage,
  OrgDeviceStorage,
  ComplianceStorage,
  PushSubscriptionStorage,
  StoredConsent,
  ErasureCounts,
  Membership,
  NewMembership,
  NewOrganisation,
  OrganisationRecord,
  SsoConfigRecord,
  SsoSessionState,
  SsoIdentity,
  SsoSignIn,
  AdminRecord,
  AccessLeaf,
  NewAccessLeaf,
  ReceiptTally,
  AppendResult,
  DeviceAttestation,
  DirectoryBacklogEntry,
  CommitInput,
  CommitResult,
  GroupReset,
  GroupStateSweep,
  GroupStateSwept,
  BlobBinding,
  BlobDelivery,
  InviteStorage,
  BlobId,
  ResetResult,
  DeviceAccess,
  DeviceRecord,
  EnrolmentRecord,
  WitnessCosignatureRecord,
  GroupRecord,
  NewMessage,
  QueuedMessage,
  LegacySecretName,
  LegacySecrets,
  Store,
  IfVersion,
  DirectoryLinkRecord,
  NewScimGroup,
  NewScimUser,
  ScimGroupChange,
  ScimGroupRecord,
  ScimTokenRecord,
  ScimUserChange,
  ScimUserCreation,
  ScimUserRecord,
} from '@candor/ports'
import { MIGRATIONS } from './migrations.ts'
import { SqliteDirectoryStorage } from './directory-storage.ts'
import { SqliteAccessLog } from './access-log-storage.ts'
import { SqliteQueue } from './queue-storage.ts'
import { SqliteAdmins } from './admin-storage.ts'
import { SqliteOrganisations } from './organisation-storage.ts'
import { SqliteScim } from './scim-storage.ts'
import { SqliteSso } from './sso-storage.ts'
import { SqliteContacts } from './contact-storage.ts'
import { SqliteAccountRecovery } from './account-recovery-storage.ts'
import { SqliteGovernance } from './governance-storage.ts'
import { SqliteOrgDevices } from './org-device-storage.ts'
import { SqliteCompliance } from './compliance-storage.ts'
import { SqlitePushSubscriptions } from './push-storage.ts'
import { SqliteConsents } from './consent-storage.ts'
import { SqliteRetention } from './retention-storage.ts'
import { SqliteEnrolments } from './enrolment-storage.ts'
import { SqliteCosignatures } from './cosignature-storage.ts'
import { SqliteGroupResets } from './group-reset-storage.ts'
import { SqliteBlobBindings } from './blob-binding-storage.ts'
import { sweepGroupState } from './group-state-sweep.ts'
import { SqliteBlobLifecycle } from './blob-lifecycle-storage.ts'
import { SqliteInvites } from './invite-storage.ts'
import { eraseUserIn } from './erasure.ts'
import { SqliteLifecycle } from './lifecycle-storage.ts'
import { Checkpointer } from './checkpointer.ts'
import { WalSync } from './wal-sync.ts'
import type { DirectoryStorage } from '@candor/transparency'

/** The meta rows where versions before the key file kept the server's secrets (Store.legacySecrets). */
const LEGACY_SECRET_NAMES = Object.keys({
  'token-secret': 1,
  'directory-signing-key': 1,
  'directory-vrf-key': 1,
  'access-log-signing-key': 1,
  'access-pseudonym-key': 1,
  'admin-enrolment-secret': 1,
} satisfies Record<LegacySecretName, 1>) as LegacySecretName[]

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

/** How long purgeDeleted() keeps trying to truncate the WAL. */
const PURGE_TIMEOUT_MS = 10_000
/** How often expired auth nonces are deleted (as in the PostgreSQL store). */
const NONCE_SWEEP_MS = 60_000

export interface SqliteOptions {
  /** 'FULL' survives power loss; 'NORMAL' survives a killed process. Default FULL. */
  synchronous?: 'FULL' | 'NORMAL'
  /** How often the worker thread checkpoints the WAL into the database file. Default 200 ms. */
  checkpointIntervalMs?: number
}

export class SqliteStore implements Store {
  /** Seqs come from one global counter kept in meta: increasing per device, not contiguous. */
  readonly contiguousSeqs = false
  readonly #db: Database.Database
  readonly #s
  readonly #queue: SqliteQueue
  readonly #admins: SqliteAdmins
  readonly #orgs: SqliteOrganisations
  readonly #scim: SqliteScim
  readonly #sso: SqliteSso
  readonly #contacts: SqliteContacts
  readonly #accountRecovery: SqliteAccountRecovery
  readonly #consents: SqliteConsents
  readonly #retention: SqliteRetention
  readonly #accessLog: SqliteAccessLog
  readonly #enrolments: SqliteEnrolments
  readonly #cosignatures: SqliteCosignatures
  readonly #resets: SqliteGroupResets
  readonly #blobs: SqliteBlobBindings
  readonly #blobLife: SqliteBlobLifecycle
  readonly #lifecycle: SqliteLifecycle

  private constructor(db: Database.Database, synchronous: 'FULL' | 'NORMAL', walSync: WalSync | undefined) {
    this.#db = db
    this.#walSync = walSync
    this.#queue = new SqliteQueue(db, synchronous, walSync)
    this.#admins = new SqliteAdmins(db)
    this.#orgs = new SqliteOrganisations(db)
    this.#scim = new SqliteScim(db)
    this.#sso = new SqliteSso(db)
    this.#contacts = new SqliteContacts(db, this.#queue)
    this.#consents = new SqliteConsents(db)
    this.#retention = new SqliteRetention(db)
    this.#accessLog = new SqliteAccessLog(db)
    this.#enrolments = new SqliteEnrolments(db)
    this.#cosignatures = new SqliteCosignatures(db)
    this.#resets = new SqliteGroupResets(db)
    this.#blobs = new SqliteBlobBindings(db)
    this.#blobLife = new SqliteBlobLifecycle(db)
    this.#lifecycle = new SqliteLifecycle(db)
    this.#accountRecovery = new SqliteAccountRecovery(db, this.#lifecycle)
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: p('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
      legacySecrets: p(`SELECT key, value FROM meta WHERE key IN (${LEGACY_SECRET_NAMES.map(() => '?').join(', ')})`),
      eraseLegacySecrets: p(`DELETE FROM meta WHERE key IN (${LEGACY_SECRET_NAMES.map(() => '?').join(', ')})`),
      userExists: p('SELECT 1 FROM users WHERE user_id = ?').pluck(),
      insertUser: p('INSERT INTO users (user_id, created_at, org_id, guest) VALUES (?, ?, ?, ?)'),
      insertDevice: p(
        'INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getDevice: p('SELECT * FROM devices WHERE device_id = ?'),
      // Every socket auth and request: the device, and whether SSO can apply to its user, in one read.
      deviceAccess: p(
        `SELECT d.user_id, d.status, EXISTS (SELECT 1 FROM users u JOIN org_sso c ON c.org_id = u.org_id WHERE u.user_id = d.user_id) AS sso
         FROM devices d WHERE d.device_id = ?`,
      ),
      listDevices: p('SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, device_id'),
      // An expired entry not yet swept counts as absent, as if the sweep had just run.
      insertNonce: p('INSERT INTO nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at < ?'),
      expireNonces: p('DELETE FROM nonces WHERE expires_at < ?'),
      insertKeyPackage: p('INSERT INTO key_packages (device_id, last_resort, data, suite) VALUES (?, ?, ?, ?)'),
      deleteLastResort: p('DELETE FROM key_packages WHERE device_id = ? AND suite = ? AND last_resort = 1'),
      takeOneTime: p('DELETE FROM key_packages WHERE id = (SELECT id FROM key_packages WHERE device_id = ? AND suite = ? AND last_resort = 0 ORDER BY id LIMIT 1) RETURNING data'),
      getLastResort: p('SELECT data FROM key_packages WHERE device_id = ? AND suite = ? AND last_resort = 1').pluck(),
      countKeyPackages: p('SELECT last_resort, COUNT(*) AS n FROM key_packages WHERE device_id = ? AND suite = ? GROUP BY last_resort'),
      insertGroup: p('INSERT OR IGNORE INTO groups (group_id, epoch, created_at, group_info) VALUES (?, 0, ?, ?)'),
      groupInfo: p('SELECT group_info FROM groups WHERE group_id = ?').pluck(),
      setGroupInfo: p('UPDATE groups SET group_info = ? WHERE group_id = ?'),
      getEpoch: p('SELECT epoch FROM groups WHERE group_id = ?').pluck(),
      setEpoch: p('UPDATE groups SET epoch = ? WHERE group_id = ?'),
      recordCommit: p('INSERT INTO group_commits (group_id, epoch, message_id) VALUES (?, ?, ?)'),
      acceptedCommit: p('SELECT message_id FROM group_commits WHERE group_id = ? AND epoch = ?').pluck(),
      members: p('SELECT device_id FROM group_members WHERE group_id = ? ORDER BY device_id').pluck(),
      addMember: p('INSERT OR IGNORE INTO group_members (group_id, device_id) VALUES (?, ?)'),
      removeMember: p('DELETE FROM group_members WHERE group_id = ? AND device_id = ?'),
      groupsOf: p('SELECT group_id FROM group_members WHERE device_id = ? ORDER BY group_id').pluck(),
    }
  }

  static open(path: string, options: SqliteOptions = {}): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path)
    const journal = db.pragma('journal_mode = WAL', { simple: true }) as string
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
    const synchronous = options.synchronous ?? 'FULL'
    const walSync = journal === 'wal' && synchronous === 'FULL' ? new WalSync(`${path}-wal`) : undefined
    const store = new SqliteStore(db, synchronous, walSync)
    if (path !== ':memory:') {
      db.pragma('wal_autocheckpoint = 0')
      store.#checkpointer = new Checkpointer(path, options.checkpointIntervalMs ?? 200, () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000')
      })
    }
    return store
  }

  /** Runs WAL checkpoints off the event loop (file databases only). */
  #checkpointer: Checkpointer | undefined

  /** Flushes the WAL in the thread pool for the queue's durable commits (file databases, FULL). */
  readonly #walSync: WalSync | undefined

  async close(): Promise<void> {
    this.#queue.commitQueued()
    await this.#walSync?.close()
    await this.#checkpointer?.stop()
    this.#db.close()
  }

  async getOrCreateMeta(key: string, create: () => string): Promise<string> {
    const existing = this.#s.getMeta.get(key) as string | undefined
    if (existing !== undefined) return existing
    this.#s.putMeta.run(key, create())
    return this.#s.getMeta.get(key) as string
  }

  async legacySecrets(): Promise<LegacySecrets> {
    const rows = this.#s.legacySecrets.all(...LEGACY_SECRET_NAMES) as Array<{ key: keyof LegacySecrets; value: string }>
    return Object.fromEntries(rows.map((r) => [r.key, r.value])) as LegacySecrets
  }

  /**
   * secure_delete zeroes the rows' cells in the page the delete writes; the truncating
   * checkpoint then copies that page over the file's and drops every older image of it from
   * the WAL (the meta page is rewritten often — the queue's seq ceiling lives there — so the
   * WAL may hold many).
   */
  async eraseLegacySecrets(): Promise<void> {
    this.#s.eraseLegacySecrets.run(...LEGACY_SECRET_NAMES)
    await this.purgeDeleted()
  }

  async createUser(userId: UserId, device: DeviceRecord, membership: NewMembership = { org: DEFAULT_ORG_ID, guest: false }): Promise<void> {
    this.#db.transaction(() => {
      if (this.#s.userExists.get(userId)) throw new CandorError('user_exists', `user ${userId} already exists`)
      // An erased person's id comes back only to them: their organisation provisioned them again (same externalId).
      if (!this.#scim.provisionedIn(userId, membership.org)) this.#lifecycle.refuseReserved(userId)
      this.#s.insertUser.run(userId, device.createdAt, membership.org, membership.guest ? 1 : 0)
      this.#insertDevice(device)
      this.#lifecycle.record(userId)
    }).immediate()
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

  async deviceAccess(deviceId: DeviceId): Promise<DeviceAccess | null> {
    const r = this.#s.deviceAccess.get(deviceId) as { user_id: string; status: DeviceStatus; sso: number } | undefined
    return r ? { userId: r.user_id as UserId, status: r.status, orgHasSso: r.sso === 1 } : null
  }

  async listDevices(userId: UserId): Promise<DeviceRecord[]> {
    return (this.#s.listDevices.all(userId) as DeviceRow[]).map(toDevice)
  }

  async revokeDevice(deviceId: DeviceId, userId: UserId): Promise<{ device: DeviceRecord; groups: GroupId[] } | null> {
    return this.#queue.transaction(() => {
      const r = this.#s.getDevice.get(deviceId) as DeviceRow | undefined
      if (!r || r.user_id !== userId) return null
      const device = toDevice(r)
      if (device.status === 'revoked') return { device, groups: [] }
      this.#queue.dropAllOf(deviceId)
      return { device, groups: this.#lifecycle.revoke(deviceId, userId) }
    })
  }

  // ---- the key directory's backlog (lifecycle-storage.ts) ----
  async directoryBacklog(limit: number): Promise<DirectoryBacklogEntry[]> {
    return this.#lifecycle.backlog(limit)
  }

  async clearDirectoryBacklog(seqs: readonly number[]): Promise<void> {
    this.#db.transaction(() => this.#lifecycle.clear(seqs))()
  }

  // ---- enrolment requests ----
  async fileEnrolment(request: EnrolmentRecord, maxPending: number, now: number): Promise<{ dropped: DeviceId[] }> {
    return this.#enrolments.file(request, maxPending, now)
  }

  async listEnrolments(userId: UserId, now: number): Promise<EnrolmentRecord[]> {
    return this.#enrolments.list(userId, now)
  }

  async getEnrolment(deviceId: DeviceId, now: number): Promise<EnrolmentRecord | null> {
    return this.#enrolments.get(deviceId, now)
  }

  async approveEnrolment(deviceId: DeviceId, userId: UserId, attestation: DeviceAttestation, now: number, maxDevices: number, hold = false): Promise<DeviceRecord | null> {
    return this.#db.transaction(() => {
      const device = this.#enrolments.approve(deviceId, userId, attestation, now, maxDevices, hold)
      if (device && !hold) this.#lifecycle.record(userId)
      return device
    }).immediate()
  }

  async denyEnrolment(deviceId: DeviceId, userId: UserId): Promise<boolean> {
    return this.#enrolments.deny(deviceId, userId)
  }

  // ---- witness cosignatures ----
  async putCosignature(c: WitnessCosignatureRecord): Promise<'stored' | 'unchanged' | 'older'> {
    return this.#cosignatures.put(c)
  }

  async cosignaturesAt(size: number): Promise<WitnessCosignatureRecord[]> {
    return this.#cosignatures.at(size)
  }

  /**
   * Single use, durable before it answers: the nonce joins the turn's queue transaction, whose
   * WAL is flushed in the thread pool (not an fsync of its own on the event loop per sign-in).
   * Expired nonces are swept at most every NONCE_SWEEP_MS (the sweep scans the table).
   */
  consumeNonce(nonce: string, expiresAt: number): Promise<boolean> {
    return this.#queue.batched(() => {
      const now = Date.now()
      if (now >= this.#nextNonceSweep) {
        this.#s.expireNonces.run(now)
        this.#nextNonceSweep = now + NONCE_SWEEP_MS
      }
      return this.#s.insertNonce.run(nonce, expiresAt, now).changes === 1
    }, true)
  }
  #nextNonceSweep = 0

  async addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite = 1): Promise<void> {
    this.#db.transaction(() => {
      for (const kp of oneTime) this.#s.insertKeyPackage.run(deviceId, 0, kp, suite)
      if (lastResort) {
        this.#s.deleteLastResort.run(deviceId, suite)
        this.#s.insertKeyPackage.run(deviceId, 1, lastResort, suite)
      }
    })()
  }

  async claimKeyPackage(deviceId: DeviceId, lastResortOnly = false, suite = 1): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null> {
    const one = lastResortOnly ? undefined : (this.#s.takeOneTime.get(deviceId, suite) as { data: Buffer } | undefined)
    if (one) return { keyPackage: new Uint8Array(one.data), lastResort: false }
    const last = this.#s.getLastResort.get(deviceId, suite) as Buffer | undefined
    return last ? { keyPackage: new Uint8Array(last), lastResort: true } : null
  }

  async countKeyPackages(deviceId: DeviceId, suite = 1): Promise<{ oneTime: number; lastResort: boolean }> {
    const rows = this.#s.countKeyPackages.all(deviceId, suite) as Array<{ last_resort: number; n: number }>
    return {
      oneTime: rows.find((r) => r.last_resort === 0)?.n ?? 0,
      lastResort: rows.some((r) => r.last_resort === 1 && r.n > 0),
    }
  }

  async createGroup(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#s.insertGroup.run(groupId, createdAt, groupInfo ?? null).changes !== 1) return false
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

  async groupInfo(groupId: GroupId): Promise<Uint8Array | null> {
    const b = this.#s.groupInfo.get(groupId) as Buffer | null | undefined
    return b ? new Uint8Array(b) : null
  }

  async formerGroups(userId: UserId): Promise<GroupId[]> {
    return this.#lifecycle.formerGroups(userId)
  }

  async listGroups(deviceId: DeviceId): Promise<GroupRecord[]> {
    const ids = this.#s.groupsOf.all(deviceId) as GroupId[]
    return ids.map((g) => this.#group(g)).filter((g): g is GroupRecord => g !== null)
  }

  async removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void> {
    this.#s.removeMember.run(groupId, deviceId)
  }

  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.#queue.appendMessages(batch)
  }

  async acceptCommit(c: CommitInput): Promise<CommitResult> {
    return this.#queue.transaction((): CommitResult => {
      const group = this.#group(c.groupId)
      if (!group) throw new CandorError('unknown_group', 'no such group')
      if (group.epoch !== c.epoch) return { accepted: false, epoch: group.epoch }
      const epoch = group.epoch + 1
      this.#s.setEpoch.run(epoch, c.groupId)
      this.#s.setGroupInfo.run(c.groupInfo, c.groupId)
      this.#s.recordCommit.run(c.groupId, c.epoch, c.messageId)
      for (const d of c.removed) this.#s.removeMember.run(c.groupId, d)
      for (const d of c.added) this.#s.addMember.run(c.groupId, d)
      const added = new Set(c.added)
      const commitTo = group.members.filter((d) => d !== c.sender && !added.has(d))
      const deliveries = this.#queue.store({
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
          ...this.#queue.store({
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

  async acceptedCommit(groupId: GroupId, epoch: number): Promise<MessageId | null> {
    return (this.#s.acceptedCommit.get(groupId, epoch) as MessageId | undefined) ?? null
  }

  async resetGroup(r: GroupReset, groupInfo?: Uint8Array): Promise<ResetResult> {
    return this.#resets.reset(r, groupInfo)
  }

  async groupResets(groupId: GroupId): Promise<{ from: GroupReset | null; to: GroupReset | null }> {
    return this.#resets.of(groupId)
  }

  async sweepGroupState(o: GroupStateSweep): Promise<GroupStateSwept> {
    return sweepGroupState(this.#db, o)
  }

  // ---- attachment blobs (blob-binding-storage.ts) ----
  async bindBlob(b: BlobBinding): Promise<boolean> {
    return this.#blobs.bind(b)
  }

  async blobGroup(blobId: BlobId): Promise<BlobBinding | null> {
    return this.#blobs.get(blobId)
  }

  async unbindBlob(blobId: BlobId): Promise<boolean> {
    return this.#blobs.unbind(blobId)
  }

  async blobBytesOf(uploader: UserId): Promise<number> {
    return this.#blobs.bytesOf(uploader)
  }

  async blobsOf(uploader: UserId, limit: number): Promise<BlobBinding[]> {
    return this.#blobs.of(uploader, limit)
  }

  async blobsWithoutMembers(limit: number): Promise<BlobId[]> {
    return this.#blobs.withoutMembers(limit)
  }

  async sealBlob(blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): Promise<boolean> {
    return this.#blobLife.seal(blobId, recipients, expiresAt)
  }

  async blobDelivery(blobId: BlobId): Promise<BlobDelivery | null> {
    return this.#blobLife.delivery(blobId)
  }

  async markBlobFetched(blobId: BlobId, deviceId: DeviceId, at: number): Promise<boolean> {
    return this.#blobLife.markFetched(blobId, deviceId, at)
  }

  async blobsFetchedByAll(limit: number, only?: BlobId): Promise<BlobId[]> {
    return this.#blobLife.fetchedByAll(limit, only)
  }

  async blobsExpired(now: number, limit: number): Promise<BlobId[]> {
    return this.#blobLife.expired(now, limit)
  }

  async fetchQueue(deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    return this.#queue.fetch(deviceId, afterSeq, limit)
  }

  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    return this.#queue.ack(deviceId, seqs)
  }

  async pendingCount(deviceId: DeviceId): Promise<number> {
    return this.#queue.pending(deviceId)
  }

  /** One process owns an SQLite store; the directory service serialises its own publications. */
  withDirectoryLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn()
  }

  directoryStorage(): DirectoryStorage {
    return new SqliteDirectoryStorage(this.#db)
  }

  /** Contacts, blocks and contact requests: contact-storage.ts. */
  contacts(): ContactStorage {
    return this.#contacts
  }

  invites(): InviteStorage {
    return (this.#invites ??= new SqliteInvites(this.#db))
  }
  #invites: SqliteInvites | undefined

  /** Recovery keys and sealed history archives: account-recovery-storage.ts. */
  accountRecovery(): AccountRecoveryStorage {
    return this.#accountRecovery
  }
  /** Held devices, last-seen days, expired guests: org-device-storage.ts. */
  orgDevices(): OrgDeviceStorage {
    return (this.#orgDevices ??= new SqliteOrgDevices(this.#db, this.#lifecycle, this.#queue))
  }
  #orgDevices: SqliteOrgDevices | undefined

  /** Audit trail, SIEM settings, approvals and policies: governance-storage.ts. */
  governance(): GovernanceStorage {
    return (this.#governance ??= new SqliteGovernance(this.#db))
  }
  #governance: SqliteGovernance | undefined
  /** Archive key shares, unlock requests and approvals, legal holds: compliance-storage.ts. */
  compliance(): ComplianceStorage {
    return (this.#compliance ??= new SqliteCompliance(this.#db))
  }
  #compliance: SqliteCompliance | undefined
  /** Web Push subscriptions: push-storage.ts. */
  pushSubscriptions(): PushSubscriptionStorage {
    return (this.#push ??= new SqlitePushSubscriptions(this.#db))
  }
  #push: SqlitePushSubscriptions | undefined

  // ---- access log (data ownership) ----
  async appendAccessLeaf(leaf: NewAccessLeaf): Promise<number> {
    return this.#accessLog.append(leaf)
  }

  async accessLeafHashes(fromIndex: number, limit: number): Promise<Uint8Array[]> {
    return this.#accessLog.hashes(fromIndex, limit)
  }

  async accessLeavesOf(subject: UserId, now: number): Promise<AccessLeaf[]> {
    return this.#accessLog.leavesOf(subject, now)
  }

  async tallyAccessReceipts(subject: UserId, now: number): Promise<ReceiptTally> {
    return this.#accessLog.tally(subject, now)
  }

  async untalliedAccessSubjects(now: number, limit: number): Promise<UserId[]> {
    return this.#accessLog.untalliedSubjects(now, limit)
  }

  // ---- administrators (data ownership) ----
  async addAdmin(a: AdminRecord): Promise<boolean> {
    return this.#admins.add(a)
  }

  async getAdmin(userId: UserId): Promise<AdminRecord | null> {
    return this.#admins.get(userId)
  }

  async countAdmins(): Promise<number> {
    return this.#admins.count()
  }

  async listAdmins(): Promise<AdminRecord[]> {
    return this.#admins.list()
  }

  async removeAdmin(userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'> {
    return this.#admins.remove(userId)
  }

  // Organisations: organisation-storage.ts.
  createOrganisation = async (o: NewOrganisation): Promise<boolean> => this.#orgs.create(o)
  getOrganisation = async (org: OrgId): Promise<OrganisationRecord | null> => this.#orgs.get(org)
  listOrganisations = async (): Promise<OrganisationRecord[]> => this.#orgs.list()
  setSignup = async (org: OrgId, signup: SignupMode): Promise<boolean> => this.#orgs.setSignup(org, signup)
  addDomain = async (org: OrgId, domain: string, at: number) => this.#orgs.addDomain(org, domain, at)
  organisationOfDomain = async (domain: string): Promise<OrgId | null> => this.#orgs.ofDomain(domain)
  countDomainUsersElsewhere = async (domain: string, org: OrgId): Promise<number> => this.#orgs.countDomainUsersElsewhere(domain, org)
  membershipOf = async (userId: UserId): Promise<Membership | null> => this.#orgs.membershipOf(userId)
  listMembers = async (org: OrgId, after: UserId | null, limit: number): Promise<Membership[]> => this.#orgs.listMembers(org, after, limit)
  membersByPrefix = async (org: OrgId, prefix: string, limit: number): Promise<Membership[]> => this.#orgs.membersByPrefix(org, prefix, limit)

  // ---- SCIM provisioning (scim-storage.ts) ----
  createScimToken = async (t: ScimTokenRecord): Promise<void> => this.#scim.createToken(t)
  scimTokenByDigest = async (digest: string): Promise<ScimTokenRecord | null> => this.#scim.tokenByDigest(digest)
  listScimTokens = async (org: OrgId): Promise<ScimTokenRecord[]> => this.#scim.listTokens(org)
  revokeScimToken = async (org: OrgId, id: string, at: number): Promise<boolean> => this.#scim.revokeToken(org, id, at)
  createScimUser = async (u: NewScimUser): Promise<ScimUserCreation> => this.#scim.createUser(u)
  getScimUser = async (org: OrgId, id: string): Promise<ScimUserRecord | null> => this.#scim.getUser(org, id)
  scimUserOf = async (userId: UserId): Promise<ScimUserRecord | null> => this.#scim.userOf(userId)
  listScimUsers = async (org: OrgId, where: { userId?: UserId; externalId?: string }, offset: number, limit: number) => this.#scim.listUsers(org, where, offset, limit)
  updateScimUser = async (org: OrgId, id: string, change: ScimUserChange, ifVersion: IfVersion) => this.#scim.updateUser(org, id, change, ifVersion)
  deleteScimUser = async (org: OrgId, id: string, ifVersion: IfVersion) => this.#scim.deleteUser(org, id, ifVersion, Date.now())
  createScimGroup = async (g: NewScimGroup) => this.#scim.createGroup(g)
  getScimGroup = async (org: OrgId, id: string): Promise<ScimGroupRecord | null> => this.#scim.getGroup(org, id)
  listScimGroups = async (org: OrgId, where: { displayName?: string; externalId?: string }, offset: number, limit: number) => this.#scim.listGroups(org, where, offset, limit)
  updateScimGroup = async (org: OrgId, id: string, change: ScimGroupChange, ifVersion: IfVersion) => this.#scim.updateGroup(org, id, change, ifVersion)
  deleteScimGroup = async (org: OrgId, id: string, ifVersion: IfVersion) => this.#scim.deleteGroup(org, id, ifVersion)
  setDirectoryLink = async (link: DirectoryLinkRecord) => this.#scim.setLink(link)
  deleteDirectoryLink = async (org: OrgId, groupId: GroupId): Promise<boolean> => this.#scim.deleteLink(org, groupId)
  listDirectoryLinks = async (org: OrgId): Promise<DirectoryLinkRecord[]> => this.#scim.listLinks(org)
  directoryLinkOf = async (groupId: GroupId): Promise<DirectoryLinkRecord | null> => this.#scim.linkOf(groupId)
  linksOfScimGroup = async (org: OrgId, scimGroupId: string): Promise<DirectoryLinkRecord[]> => this.#scim.linksOfGroup(org, scimGroupId)
  scimGroupsOfUser = async (org: OrgId, scimUserId: string): Promise<ScimGroupRecord[]> => this.#scim.groupsOfUser(org, scimUserId)

  async activeDevicesOf(userId: UserId): Promise<DeviceId[]> {
    return (await this.listDevices(userId)).filter((d) => d.status === 'active').map((d) => d.deviceId)
  }

  async addProvisionedDevice(device: DeviceRecord): Promise<boolean> {
    return this.#db.transaction(() => {
      const m = this.#orgs.membershipOf(device.userId)
      if (!m || !this.#scim.rejoining(device.userId, m.org)) return false
      if ((this.#s.listDevices.all(device.userId) as DeviceRow[]).some((d) => d.status === 'active')) return false
      this.#insertDevice({ ...device, status: 'active' })
      this.#scim.clearRejoin(device.userId)
      this.#lifecycle.record(device.userId)
      return true
    }).immediate()
  }
  // Single sign-on: sso-storage.ts.
  setSsoConfig = async (org: OrgId, c: SsoConfigRecord): Promise<boolean> => this.#sso.setConfig(org, c)
  getSsoConfig = async (org: OrgId): Promise<SsoConfigRecord | null> => this.#sso.getConfig(org)
  ssoUserOfSubject = async (org: OrgId, issuer: string, subject: string): Promise<UserId | null> => this.#sso.userOfSubject(org, issuer, subject)
  recordSsoSignIn = async (s: SsoSignIn) => this.#sso.recordSignIn(s)
  ssoSessionOf = async (userId: UserId): Promise<SsoSessionState | null> => this.#sso.sessionOf(userId)
  ssoIdentityOf = async (userId: UserId): Promise<SsoIdentity | null> => this.#sso.identityOf(userId)
  endSsoSessions = async (org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): Promise<UserId[]> => this.#sso.endSessions(org, issuer, match, at)

  // ---- erasure (data ownership) ----
  async eraseUser(userId: UserId): Promise<ErasureCounts> {
    return this.#db.transaction(() => {
      const counts = eraseUserIn(this.#db, userId)
      this.#scim.erase(userId, Date.now())
      this.#lifecycle.reserve(userId)
      this.#lifecycle.record(userId, true)
      return counts
    }).immediate()
  }

  /**
   * Copies the WAL into the database file and truncates it, so no older page image of a deleted
   * row survives there. The checkpoint worker holds SQLite's checkpoint lock during each of its
   * runs, and a truncating checkpoint asked for meanwhile is refused at once (the busy handler is
   * never called for that lock): it is tried again until it went through, or this throws.
   */
  async purgeDeleted(): Promise<void> {
    const deadline = Date.now() + PURGE_TIMEOUT_MS
    for (;;) {
      const [result] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
      if (!result || result.busy === 0) return
      if (Date.now() >= deadline) throw new Error(`could not truncate the WAL within ${PURGE_TIMEOUT_MS} ms: the database stayed busy`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  // ---- consent ledger (data ownership) ----
  async appendConsent(userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number> {
    return this.#consents.append(userId, record, signature, at)
  }

  async listConsents(userId: UserId): Promise<StoredConsent[]> {
    return this.#consents.list(userId)
  }

  // ---- retention (data ownership) ----
  async setRetention(groupId: GroupId, retentionMs: number | null): Promise<void> {
    this.#retention.set(groupId, retentionMs)
  }

  async getRetention(groupId: GroupId): Promise<number | null> {
    return this.#retention.get(groupId)
  }

  async expireMessages(now: number): Promise<number> {
    return this.#retention.expire(now)
  }
}
