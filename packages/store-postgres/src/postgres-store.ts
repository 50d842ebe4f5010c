// The Store on PostgreSQL, for several server nodes sharing one database. Every method is
// one statement or one transaction, and each is correct when other nodes run the same
// methods concurrently; see README.md for how seqs, epochs and key packages stay consistent.
import {
  CandorError,
  ERASED_DEVICE_ID,
  DEFAULT_ORG_ID,
  type AdminRole,
  type DeviceId,
  type DeviceStatus,
  type GroupId,
  type MessageId,
  type MessageKind,
  type OrgId,
  type SignupMode,
  type UserId,
} from '@candor/protocol'
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
  DeviceAttestation,
  DirectoryBacklogEntry,
  AppendResult,
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
import { bytes, connect, migrate, retrying, sqlState, transaction, type ConnectOptions, type Db, type Sql } from './connection.ts'
import { PostgresContacts } from './contact-storage.ts'
import { PostgresAccountRecovery } from './account-recovery-storage.ts'
import { PostgresGovernance } from './governance-storage.ts'
import { PostgresOrgDevices } from './org-device-storage.ts'
import { PostgresCompliance } from './compliance-storage.ts'
import { PostgresPushSubscriptions } from './push-storage.ts'
import { appendIn, pruneRecentSends, releaseMessages } from './message-writes.ts'
import { AckBatcher } from './ack-batcher.ts'
import { openAckPool } from './ack-pool.ts'
import * as orgs from './organisation-storage.ts'
import * as scim from './scim-storage.ts'
import * as blobs from './blob-binding-storage.ts'
import * as blobLife from './blob-lifecycle-storage.ts'
import { PostgresInvites } from './invite-storage.ts'
import * as sso from './sso-storage.ts'
import { PostgresDirectoryStorage } from './directory-storage.ts'
import { approveEnrolment, denyEnrolment, fileEnrolment, getEnrolment, listEnrolments } from './enrolment-storage.ts'
import { cosignaturesAt, putCosignature } from './cosignature-storage.ts'
import { groupResets, resetGroup } from './group-reset-storage.ts'
import { sweepGroupState } from './group-state-sweep.ts'
import { clearDirectoryBacklog, directoryBacklog, formerGroups, recordDirectoryUpdate, refuseReserved, reserveUserId, revokeDevice } from './lifecycle-storage.ts'
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
    publicKey: bytes(r.public_key),
    status: r.status,
    createdAt: r.created_at,
    ...(r.attested_by && r.attestation ? { attestation: { by: r.attested_by as DeviceId, signature: bytes(r.attestation) } } : {}),
  }
}

/** A queue row as fetchQueue selects it. */
interface QueueRow {
  seq: number
  message_id: string
  group_id: string
  sender: string
  kind: number
  sent_at: number
  payload: Buffer
}

function toQueuedMessage(r: QueueRow): QueuedMessage {
  return {
    seq: r.seq,
    messageId: r.message_id as MessageId,
    groupId: r.group_id as GroupId,
    sender: r.sender as DeviceId,
    kind: r.kind as MessageKind,
    sentAt: r.sent_at,
    payload: bytes(r.payload),
  }
}

/** Advisory lock id of key-directory publication ('candor' in ASCII). */
const DIRECTORY_LOCK_KEY = 0x63616e646f72

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** Expired nonces are swept at most this often per node (replays are refused either way). */
const NONCE_SWEEP_MS = 60_000

export type PostgresOptions = ConnectOptions

export class PostgresStore implements Store {
  /** Per-device counter rows: seqs are 1, 2, 3, … per device and commit in order (README). */
  readonly contiguousSeqs = true
  readonly #sql: Sql
  /** Acknowledgements' own connection (ack-pool.ts). */
  readonly #ackSql: Sql
  readonly #acks: AckBatcher
  #nextNonceSweep = 0

  private constructor(sql: Sql, ackSql: Sql) {
    this.#sql = sql
    this.#ackSql = ackSql
    this.#acks = new AckBatcher(ackSql)
  }

  /** Connects and brings the schema up to date; safe when several nodes start at once. */
  static async open(url: string, opts: PostgresOptions = {}): Promise<PostgresStore> {
    const { sql, schema } = connect(url, opts)
    let ackSql: Sql
    try {
      await migrate(sql, schema)
      ackSql = await openAckPool(url, opts)
    } catch (e) {
      await sql.end({ timeout: 1 })
      throw e
    }
    return new PostgresStore(sql, ackSql)
  }

  async close(): Promise<void> {
    await Promise.all([this.#ackSql.end({ timeout: 5 }), this.#sql.end({ timeout: 5 })])
  }

  async getOrCreateMeta(key: string, create: () => string): Promise<string> {
    const get = async () => (await this.#sql<{ value: string }[]>`SELECT value FROM meta WHERE key = ${key}`)[0]?.value
    const existing = await get()
    if (existing !== undefined) return existing
    await this.#sql`INSERT INTO meta (key, value) VALUES (${key}, ${create()}) ON CONFLICT (key) DO NOTHING`
    return (await get())!
  }

  async legacySecrets(): Promise<LegacySecrets> {
    const rows = await this.#sql<{ key: keyof LegacySecrets; value: string }[]>`
      SELECT key, value FROM meta WHERE key = ANY(${this.#sql.array([...LEGACY_SECRET_NAMES])}::text[])`
    return Object.fromEntries(rows.map((r) => [r.key, r.value])) as LegacySecrets
  }

  /**
   * A plain VACUUM only marks the dead row versions' space free (their bytes may stay in the
   * page), so the table is rewritten into a new file with VACUUM FULL: meta is a handful of
   * rows and nothing else reads it. PostgreSQL's own write-ahead log and base backups keep
   * older copies until they are recycled (docs/server-keys.md).
   */
  async eraseLegacySecrets(): Promise<void> {
    await this.#sql`DELETE FROM meta WHERE key = ANY(${this.#sql.array([...LEGACY_SECRET_NAMES])}::text[])`
    await this.#sql`VACUUM FULL meta`
  }

  async createUser(userId: UserId, device: DeviceRecord, membership: NewMembership = { org: DEFAULT_ORG_ID, guest: false }): Promise<void> {
    await transaction(this.#sql, async (tx) => {
      const r = await tx`INSERT INTO users (user_id, created_at, org_id, guest) VALUES (${userId}, ${device.createdAt}, ${membership.org}, ${membership.guest}) ON CONFLICT DO NOTHING RETURNING 1`
      if (r.length === 0) throw new CandorError('user_exists', `user ${userId} already exists`)
      // An erased person's id comes back only to them: their organisation provisioned them again (same externalId).
      if (!(await scim.provisionedIn(tx, userId, membership.org))) await refuseReserved(tx, userId)
      await insertDevice(tx, device)
      await recordDirectoryUpdate(tx, userId)
    })
  }

  async userExists(userId: UserId): Promise<boolean> {
    return (await this.#sql`SELECT 1 FROM users WHERE user_id = ${userId}`).length > 0
  }

  async addDevice(device: DeviceRecord): Promise<void> {
    await insertDevice(this.#sql, device)
  }

  async getDevice(deviceId: DeviceId): Promise<DeviceRecord | null> {
    const [r] = await this.#sql<DeviceRow[]>`SELECT * FROM devices WHERE device_id = ${deviceId}`
    return r ? toDevice(r) : null
  }

  async deviceAccess(deviceId: DeviceId): Promise<DeviceAccess | null> {
    // Every socket auth and request: the device, and whether SSO can apply to its user, in one round trip.
    const [r] = await this.#sql<{ user_id: string; status: DeviceStatus; sso: boolean }[]>`
      SELECT d.user_id, d.status, EXISTS (SELECT 1 FROM users u JOIN org_sso c ON c.org_id = u.org_id WHERE u.user_id = d.user_id) AS sso
      FROM devices d WHERE d.device_id = ${deviceId}`
    return r ? { userId: r.user_id as UserId, status: r.status, orgHasSso: r.sso } : null
  }

  async listDevices(userId: UserId): Promise<DeviceRecord[]> {
    const rows = await this.#sql<DeviceRow[]>`SELECT * FROM devices WHERE user_id = ${userId} ORDER BY created_at, device_id`
    return rows.map(toDevice)
  }

  revokeDevice(deviceId: DeviceId, userId: UserId): Promise<{ device: DeviceRecord; groups: GroupId[] } | null> {
    return revokeDevice(this.#sql, deviceId, userId, toDevice)
  }

  formerGroups(userId: UserId): Promise<GroupId[]> {
    return formerGroups(this.#sql, userId)
  }

  // ---- the key directory's backlog (lifecycle-storage.ts) ----
  directoryBacklog(limit: number): Promise<DirectoryBacklogEntry[]> {
    return directoryBacklog(this.#sql, limit)
  }

  clearDirectoryBacklog(seqs: readonly number[]): Promise<void> {
    return clearDirectoryBacklog(this.#sql, seqs)
  }

  // ---- enrolment requests (enrolment-storage.ts) ----
  fileEnrolment(request: EnrolmentRecord, maxPending: number, now: number): Promise<{ dropped: DeviceId[] }> {
    return fileEnrolment(this.#sql, request, maxPending, now)
  }

  listEnrolments(userId: UserId, now: number): Promise<EnrolmentRecord[]> {
    return listEnrolments(this.#sql, userId, now)
  }

  getEnrolment(deviceId: DeviceId, now: number): Promise<EnrolmentRecord | null> {
    return getEnrolment(this.#sql, deviceId, now)
  }

  approveEnrolment(deviceId: DeviceId, userId: UserId, attestation: DeviceAttestation, now: number, maxDevices: number, hold = false): Promise<DeviceRecord | null> {
    return approveEnrolment(this.#sql, deviceId, userId, attestation, now, maxDevices, hold)
  }

  denyEnrolment(deviceId: DeviceId, userId: UserId): Promise<boolean> {
    return denyEnrolment(this.#sql, deviceId, userId)
  }

  // ---- witness cosignatures (cosignature-storage.ts) ----
  putCosignature(c: WitnessCosignatureRecord): Promise<'stored' | 'unchanged' | 'older'> {
    return putCosignature(this.#sql, c)
  }

  cosignaturesAt(size: number): Promise<WitnessCosignatureRecord[]> {
    return cosignaturesAt(this.#sql, size)
  }

  async consumeNonce(nonce: string, expiresAt: number): Promise<boolean> {
    const now = Date.now()
    if (now >= this.#nextNonceSweep) {
      this.#nextNonceSweep = now + NONCE_SWEEP_MS
      await this.#sql`DELETE FROM nonces WHERE expires_at < ${now}`
    }
    // An expired entry not yet swept counts as absent, as if the sweep had just run.
    const r = await this.#sql`
      INSERT INTO nonces (nonce, expires_at) VALUES (${nonce}, ${expiresAt})
      ON CONFLICT (nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE nonces.expires_at < ${now}
      RETURNING 1`
    return r.length === 1
  }

  async addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite = 1): Promise<void> {
    await transaction(this.#sql, async (tx) => {
      if (oneTime.length > 0) {
        await tx`
          INSERT INTO key_packages (device_id, last_resort, data, suite)
          SELECT ${deviceId}, false, unnest(${tx.array(oneTime.map(buf), 17)}::bytea[]), ${suite}`
      }
      if (lastResort) {
        await tx`
          INSERT INTO key_packages (device_id, last_resort, data, suite) VALUES (${deviceId}, true, ${buf(lastResort)}, ${suite})
          ON CONFLICT (device_id, suite) WHERE last_resort DO UPDATE SET data = EXCLUDED.data`
      }
    })
  }

  async claimKeyPackage(deviceId: DeviceId, lastResortOnly = false, suite = 1): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null> {
    // SKIP LOCKED: concurrent claimers take different rows instead of queueing on one.
    const [one] = lastResortOnly
      ? []
      : await this.#sql<{ data: Buffer }[]>`
      DELETE FROM key_packages WHERE id = (
        SELECT id FROM key_packages WHERE device_id = ${deviceId} AND suite = ${suite} AND NOT last_resort
        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING data`
    if (one) return { keyPackage: bytes(one.data), lastResort: false }
    const [last] = await this.#sql<{ data: Buffer }[]>`SELECT data FROM key_packages WHERE device_id = ${deviceId} AND suite = ${suite} AND last_resort`
    return last ? { keyPackage: bytes(last.data), lastResort: true } : null
  }

  async countKeyPackages(deviceId: DeviceId, suite = 1): Promise<{ oneTime: number; lastResort: boolean }> {
    const [r] = await this.#sql<{ one_time: number; last_resort: boolean }[]>`
      SELECT count(*) FILTER (WHERE NOT last_resort) AS one_time, coalesce(bool_or(last_resort), false) AS last_resort
      FROM key_packages WHERE device_id = ${deviceId} AND suite = ${suite}`
    return { oneTime: r?.one_time ?? 0, lastResort: r?.last_resort ?? false }
  }

  async createGroup(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      const r = await tx`
        INSERT INTO groups (group_id, epoch, created_at, group_info) VALUES (${groupId}, 0, ${createdAt}, ${groupInfo ? Buffer.from(groupInfo) : null})
        ON CONFLICT DO NOTHING RETURNING 1`
      if (r.length === 0) return false
      await tx`INSERT INTO group_members (group_id, device_id) VALUES (${groupId}, ${creator})`
      return true
    })
  }

  async getGroup(groupId: GroupId): Promise<GroupRecord | null> {
    return (await groups(this.#sql, [groupId]))[0] ?? null
  }

  async groupInfo(groupId: GroupId): Promise<Uint8Array | null> {
    const [row] = await this.#sql<{ group_info: Buffer | null }[]>`SELECT group_info FROM groups WHERE group_id = ${groupId}`
    return row?.group_info ? new Uint8Array(row.group_info) : null
  }

  async listGroups(deviceId: DeviceId): Promise<GroupRecord[]> {
    const ids = await this.#sql<{ group_id: GroupId }[]>`SELECT group_id FROM group_members WHERE device_id = ${deviceId}`
    return groups(this.#sql, ids.map((r) => r.group_id))
  }

  async removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void> {
    await this.#sql`DELETE FROM group_members WHERE group_id = ${groupId} AND device_id = ${deviceId}`
  }

  /** One statement, its own transaction: one round trip per batch (see message-writes.ts). */
  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return []
    this.#pruneRecentSends()
    return retrying(() => appendIn(this.#sql, batch))
  }

  #prunedAt = 0

  /** At most once a minute per node, off the send's path: forget sends past the dedup window. */
  #pruneRecentSends(): void {
    const now = Date.now()
    if (now - this.#prunedAt < 60_000) return
    this.#prunedAt = now
    pruneRecentSends(this.#sql, now).catch(() => {
      // tried again a minute later; an unpruned row only keeps a duplicate a duplicate longer
    })
  }

  async acceptCommit(c: CommitInput): Promise<CommitResult> {
    return transaction(this.#sql, async (tx): Promise<CommitResult> => {
      // The row lock taken here orders concurrent commits; a loser re-reads the new epoch
      // and matches nothing.
      const [bumped] = await tx<{ epoch: number }[]>`
        UPDATE groups SET epoch = epoch + 1, group_info = ${Buffer.from(c.groupInfo)} WHERE group_id = ${c.groupId} AND epoch = ${c.epoch} RETURNING epoch`
      if (!bumped) {
        const [current] = await tx<{ epoch: number }[]>`SELECT epoch FROM groups WHERE group_id = ${c.groupId}`
        if (!current) throw new CandorError('unknown_group', 'no such group')
        return { accepted: false, epoch: current.epoch }
      }
      await tx`INSERT INTO group_commits (group_id, epoch, message_id) VALUES (${c.groupId}, ${c.epoch}, ${c.messageId})`
      const old = await tx<{ device_id: DeviceId }[]>`SELECT device_id FROM group_members WHERE group_id = ${c.groupId}`
      if (c.removed.length > 0) {
        await tx`DELETE FROM group_members WHERE group_id = ${c.groupId} AND device_id = ANY(${tx.array([...c.removed])}::text[])`
      }
      if (c.added.length > 0) {
        await tx`
          INSERT INTO group_members (group_id, device_id) SELECT ${c.groupId}, unnest(${tx.array([...c.added])}::text[])
          ON CONFLICT DO NOTHING`
      }
      const added = new Set(c.added)
      const base = { messageId: c.messageId, groupId: c.groupId, sender: c.sender, sentAt: c.sentAt }
      const messages: NewMessage[] = [
        { ...base, kind: 1, payload: c.commit, recipients: old.map((r) => r.device_id).filter((d) => d !== c.sender && !added.has(d)) },
      ]
      // The welcome shares the commit's id; (sender, id, kind) keeps them apart.
      if (c.welcome && c.added.length > 0) messages.push({ ...base, kind: 2, payload: c.welcome, recipients: c.added })
      const results = await appendIn(tx, messages)
      return { accepted: true, epoch: bumped.epoch, sentAt: c.sentAt, deliveries: results.flatMap((r) => r.deliveries) }
    })
  }

  async acceptedCommit(groupId: GroupId, epoch: number): Promise<MessageId | null> {
    const [row] = await this.#sql<{ message_id: MessageId }[]>`SELECT message_id FROM group_commits WHERE group_id = ${groupId} AND epoch = ${epoch}`
    return row?.message_id ?? null
  }

  // ---- conversation resets (group-reset-storage.ts) ----
  resetGroup(r: GroupReset, groupInfo?: Uint8Array): Promise<ResetResult> {
    return resetGroup(this.#sql, r, groupInfo)
  }

  groupResets(groupId: GroupId): Promise<{ from: GroupReset | null; to: GroupReset | null }> {
    return groupResets(this.#sql, groupId)
  }

  sweepGroupState(o: GroupStateSweep): Promise<GroupStateSwept> {
    return sweepGroupState(this.#sql, o)
  }

  // ---- attachment blobs (blob-binding-storage.ts) ----
  bindBlob = (b: BlobBinding): Promise<boolean> => blobs.bindBlob(this.#sql, b)
  blobGroup = (blobId: BlobId): Promise<BlobBinding | null> => blobs.blobGroup(this.#sql, blobId)
  unbindBlob = (blobId: BlobId): Promise<boolean> => blobs.unbindBlob(this.#sql, blobId)
  blobBytesOf = (uploader: UserId): Promise<number> => blobs.blobBytesOf(this.#sql, uploader)
  blobsOf = (uploader: UserId, limit: number): Promise<BlobBinding[]> => blobs.blobsOf(this.#sql, uploader, limit)
  blobsWithoutMembers = (limit: number): Promise<BlobId[]> => blobs.blobsWithoutMembers(this.#sql, limit)
  sealBlob = (blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): Promise<boolean> => blobLife.sealBlob(this.#sql, blobId, recipients, expiresAt)
  blobDelivery = (blobId: BlobId): Promise<BlobDelivery | null> => blobLife.blobDelivery(this.#sql, blobId)
  markBlobFetched = (blobId: BlobId, deviceId: DeviceId, at: number): Promise<boolean> => blobLife.markBlobFetched(this.#sql, blobId, deviceId, at)
  blobsFetchedByAll = (limit: number, only?: BlobId): Promise<BlobId[]> => blobLife.blobsFetchedByAll(this.#sql, limit, only)
  blobsExpired = (now: number, limit: number): Promise<BlobId[]> => blobLife.blobsExpired(this.#sql, now, limit)

  async fetchQueue(deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    const rows = await this.#sql<
      QueueRow[]
    >`
      SELECT q.seq, coalesce(q.message_id, m.message_id) AS message_id, coalesce(q.group_id, m.group_id) AS group_id,
        coalesce(q.sender, m.sender) AS sender, coalesce(q.kind, m.kind) AS kind, coalesce(q.sent_at, m.sent_at) AS sent_at,
        coalesce(q.payload, m.payload) AS payload
      FROM queue q LEFT JOIN messages m ON m.id = q.message
      WHERE q.device_id = ${deviceId} AND q.seq > ${afterSeq}
      ORDER BY q.seq LIMIT ${limit}`
    return rows.map(toQueuedMessage)
  }

  /** Batched per event-loop turn across connections (see ack-batcher.ts). */
  async ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0) return 0
    return this.#acks.ack(deviceId, seqs)
  }

  /** A session advisory lock on a reserved connection, held while one node publishes an epoch. */
  async withDirectoryLock<T>(fn: () => Promise<T>): Promise<T> {
    const reserved = await this.#sql.reserve()
    try {
      await reserved`SELECT pg_advisory_lock(${DIRECTORY_LOCK_KEY})`
      try {
        return await fn()
      } finally {
        await reserved`SELECT pg_advisory_unlock(${DIRECTORY_LOCK_KEY})`
      }
    } finally {
      reserved.release()
    }
  }

  /** Contacts, blocks and contact requests: contact-storage.ts. */
  contacts(): ContactStorage {
    return (this.#contacts ??= new PostgresContacts(this.#sql))
  }
  #contacts: PostgresContacts | undefined

  invites(): InviteStorage {
    return (this.#invites ??= new PostgresInvites(this.#sql))
  }
  #invites: PostgresInvites | undefined

  /** Recovery keys and sealed history archives: account-recovery-storage.ts. */
  accountRecovery(): AccountRecoveryStorage {
    return (this.#accountRecovery ??= new PostgresAccountRecovery(this.#sql))
  }
  #accountRecovery: PostgresAccountRecovery | undefined
  /** Held devices, last-seen days, expired guests: org-device-storage.ts. */
  orgDevices(): OrgDeviceStorage {
    return (this.#orgDevices ??= new PostgresOrgDevices(this.#sql))
  }
  #orgDevices: PostgresOrgDevices | undefined

  /** Audit trail, SIEM settings, approvals and policies: governance-storage.ts. */
  governance(): GovernanceStorage {
    return (this.#governance ??= new PostgresGovernance(this.#sql))
  }
  #governance: PostgresGovernance | undefined
  /** Archive key shares, unlock requests and approvals, legal holds: compliance-storage.ts. */
  compliance(): ComplianceStorage {
    return (this.#compliance ??= new PostgresCompliance(this.#sql))
  }
  #compliance: PostgresCompliance | undefined
  /** Web Push subscriptions: push-storage.ts. */
  pushSubscriptions(): PushSubscriptionStorage {
    return (this.#push ??= new PostgresPushSubscriptions(this.#sql))
  }
  #push: PostgresPushSubscriptions | undefined

  directoryStorage(): DirectoryStorage {
    return new PostgresDirectoryStorage(this.#sql)
  }

  async pendingCount(deviceId: DeviceId): Promise<number> {
    const [r] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM queue WHERE device_id = ${deviceId}`
    return r?.n ?? 0
  }

  // ---- access log (data ownership) ----
  async appendAccessLeaf(l: NewAccessLeaf): Promise<number> {
    return transaction(this.#sql, async (tx) => {
      // One appender at a time across nodes, so indexes have no gaps and no duplicates.
      await tx`LOCK TABLE access_log IN EXCLUSIVE MODE`
      const [r] = await tx<{ idx: number }[]>`
        INSERT INTO access_log (idx, leaf_hash, envelope, subject, logged_at, visible_at)
        SELECT coalesce(max(idx) + 1, 0), ${buf(l.leafHash)}, ${l.envelope ? buf(l.envelope) : null}, ${l.subject}, ${l.loggedAt}, ${l.visibleAt}
        FROM access_log RETURNING idx`
      return r!.idx
    })
  }

  async accessLeafHashes(fromIndex: number, limit: number): Promise<Uint8Array[]> {
    const rows = await this.#sql<{ leaf_hash: Buffer }[]>`
      SELECT leaf_hash FROM access_log WHERE idx >= ${fromIndex} ORDER BY idx LIMIT ${limit}`
    return rows.map((r) => bytes(r.leaf_hash))
  }

  async accessLeavesOf(subject: UserId, now: number): Promise<AccessLeaf[]> {
    const rows = await this.#sql<{ idx: number; leaf_hash: Buffer; envelope: Buffer; logged_at: number; visible_at: number; position: number | null }[]>`
      SELECT idx, leaf_hash, envelope, logged_at, visible_at, position FROM access_log
      WHERE subject = ${subject} AND (visible_at <= ${now} OR position IS NOT NULL) AND envelope IS NOT NULL ORDER BY idx`
    return rows.map((r) => ({
      index: r.idx,
      subject,
      leafHash: bytes(r.leaf_hash),
      envelope: bytes(r.envelope),
      loggedAt: r.logged_at,
      visibleAt: r.visible_at,
      position: r.position,
    }))
  }

  async tallyAccessReceipts(subject: UserId, now: number): Promise<ReceiptTally> {
    return transaction(this.#sql, async (tx) => {
      // One tally of a subject at a time across nodes; (subject, position) is also unique.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`candor:receipt-tally:${subject}`}))`
      await tx`
        WITH cur AS (SELECT coalesce(max(position), 0) AS p FROM access_log WHERE subject = ${subject}),
        fresh AS (
          SELECT idx, row_number() OVER (ORDER BY idx) AS n FROM access_log
          WHERE subject = ${subject} AND position IS NULL AND visible_at <= ${now}
        )
        UPDATE access_log a SET position = cur.p + fresh.n FROM cur, fresh WHERE a.idx = fresh.idx`
      const [last] = await tx<{ position: number; leaf_hash: Buffer }[]>`
        SELECT position, leaf_hash FROM access_log WHERE subject = ${subject} AND position IS NOT NULL ORDER BY position DESC LIMIT 1`
      return last ? { count: last.position, last: bytes(last.leaf_hash) } : { count: 0, last: null }
    })
  }

  async untalliedAccessSubjects(now: number, limit: number): Promise<UserId[]> {
    const rows = await this.#sql<{ subject: UserId }[]>`
      SELECT DISTINCT subject FROM access_log WHERE position IS NULL AND subject IS NOT NULL AND visible_at <= ${now} LIMIT ${limit}`
    return rows.map((r) => r.subject)
  }

  // ---- administrators (data ownership) ----
  async addAdmin(a: AdminRecord): Promise<boolean> {
    const r = await this.#sql`
      INSERT INTO admins (user_id, role, org, granted_by, granted_at)
      VALUES (${a.userId}, ${a.role}, ${a.org}, ${a.grantedBy}, ${a.grantedAt}) ON CONFLICT DO NOTHING RETURNING 1`
    return r.length === 1
  }

  async getAdmin(userId: UserId): Promise<AdminRecord | null> {
    const [r] = await this.#sql<{ user_id: string; role: AdminRole; org: string; granted_by: string | null; granted_at: number }[]>`
      SELECT * FROM admins WHERE user_id = ${userId}`
    return r ? { userId: r.user_id as UserId, role: r.role, org: r.org, grantedBy: r.granted_by as UserId | null, grantedAt: r.granted_at } : null
  }

  async countAdmins(): Promise<number> {
    const [r] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM admins`
    return r?.n ?? 0
  }

  async listAdmins(): Promise<AdminRecord[]> {
    const rows = await this.#sql<{ user_id: string; role: AdminRole; org: string; granted_by: string | null; granted_at: number }[]>`
      SELECT * FROM admins ORDER BY granted_at, user_id`
    return rows.map((r) => ({ userId: r.user_id as UserId, role: r.role, org: r.org, grantedBy: r.granted_by as UserId | null, grantedAt: r.granted_at }))
  }

  async removeAdmin(userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'> {
    return transaction(this.#sql, async (tx) => {
      // Locking every operator row (and the target's) makes two revocations of the last two
      // operators queue up: the second re-reads after the first commits and sees one left.
      const operators = await tx<{ user_id: string }[]>`SELECT user_id FROM admins WHERE role = 'operator' ORDER BY user_id FOR UPDATE`
      const [target] = await tx<{ role: AdminRole }[]>`SELECT role FROM admins WHERE user_id = ${userId} FOR UPDATE`
      if (!target) return 'not_admin' as const
      if (target.role === 'operator' && operators.length <= 1) return 'last_operator' as const
      await tx`DELETE FROM admins WHERE user_id = ${userId}`
      return 'removed' as const
    })
  }

  // Organisations: organisation-storage.ts.
  createOrganisation = (o: NewOrganisation): Promise<boolean> => orgs.createOrganisation(this.#sql, o)
  getOrganisation = (org: OrgId): Promise<OrganisationRecord | null> => orgs.getOrganisation(this.#sql, org)
  listOrganisations = (): Promise<OrganisationRecord[]> => orgs.listOrganisations(this.#sql)
  setSignup = (org: OrgId, signup: SignupMode): Promise<boolean> => orgs.setSignup(this.#sql, org, signup)
  addDomain = (org: OrgId, domain: string, at: number) => orgs.addDomain(this.#sql, org, domain, at)
  organisationOfDomain = (domain: string): Promise<OrgId | null> => orgs.organisationOfDomain(this.#sql, domain)
  countDomainUsersElsewhere = (domain: string, org: OrgId): Promise<number> => orgs.countDomainUsersElsewhere(this.#sql, domain, org)
  membershipOf = (userId: UserId): Promise<Membership | null> => orgs.membershipOf(this.#sql, userId)
  listMembers = (org: OrgId, after: UserId | null, limit: number): Promise<Membership[]> => orgs.listMembers(this.#sql, org, after, limit)
  membersByPrefix = (org: OrgId, prefix: string, limit: number): Promise<Membership[]> => orgs.membersByPrefix(this.#sql, org, prefix, limit)

  // ---- SCIM provisioning (scim-storage.ts) ----
  createScimToken = (t: ScimTokenRecord): Promise<void> => scim.createScimToken(this.#sql, t)
  scimTokenByDigest = (digest: string): Promise<ScimTokenRecord | null> => scim.scimTokenByDigest(this.#sql, digest)
  listScimTokens = (org: OrgId): Promise<ScimTokenRecord[]> => scim.listScimTokens(this.#sql, org)
  revokeScimToken = (org: OrgId, id: string, at: number): Promise<boolean> => scim.revokeScimToken(this.#sql, org, id, at)
  createScimUser = (u: NewScimUser): Promise<ScimUserCreation> => scim.createScimUser(this.#sql, u)
  getScimUser = (org: OrgId, id: string): Promise<ScimUserRecord | null> => scim.getScimUser(this.#sql, org, id)
  scimUserOf = (userId: UserId): Promise<ScimUserRecord | null> => scim.scimUserOf(this.#sql, userId)
  listScimUsers = (org: OrgId, where: { userId?: UserId; externalId?: string }, offset: number, limit: number) => scim.listScimUsers(this.#sql, org, where, offset, limit)
  updateScimUser = (org: OrgId, id: string, change: ScimUserChange, ifVersion: IfVersion) => scim.updateScimUser(this.#sql, org, id, change, ifVersion)
  deleteScimUser = (org: OrgId, id: string, ifVersion: IfVersion) => scim.deleteScimUser(this.#sql, org, id, ifVersion, Date.now())
  createScimGroup = (g: NewScimGroup) => scim.createScimGroup(this.#sql, g)
  getScimGroup = (org: OrgId, id: string): Promise<ScimGroupRecord | null> => scim.getScimGroup(this.#sql, org, id)
  listScimGroups = (org: OrgId, where: { displayName?: string; externalId?: string }, offset: number, limit: number) => scim.listScimGroups(this.#sql, org, where, offset, limit)
  updateScimGroup = (org: OrgId, id: string, change: ScimGroupChange, ifVersion: IfVersion) => scim.updateScimGroup(this.#sql, org, id, change, ifVersion)
  deleteScimGroup = (org: OrgId, id: string, ifVersion: IfVersion) => scim.deleteScimGroup(this.#sql, org, id, ifVersion)
  setDirectoryLink = (link: DirectoryLinkRecord) => scim.setDirectoryLink(this.#sql, link)
  deleteDirectoryLink = (org: OrgId, groupId: GroupId): Promise<boolean> => scim.deleteDirectoryLink(this.#sql, org, groupId)
  listDirectoryLinks = (org: OrgId): Promise<DirectoryLinkRecord[]> => scim.listDirectoryLinks(this.#sql, org)
  directoryLinkOf = (groupId: GroupId): Promise<DirectoryLinkRecord | null> => scim.directoryLinkOf(this.#sql, groupId)
  linksOfScimGroup = (org: OrgId, scimGroupId: string): Promise<DirectoryLinkRecord[]> => scim.linksOfScimGroup(this.#sql, org, scimGroupId)
  scimGroupsOfUser = (org: OrgId, scimUserId: string): Promise<ScimGroupRecord[]> => scim.scimGroupsOfUser(this.#sql, org, scimUserId)

  async activeDevicesOf(userId: UserId): Promise<DeviceId[]> {
    return (await this.#sql<{ device_id: DeviceId }[]>`SELECT device_id FROM devices WHERE user_id = ${userId} AND status = 'active' ORDER BY created_at, device_id`).map((r) => r.device_id)
  }

  addProvisionedDevice(device: DeviceRecord): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      const [m] = await tx<{ org_id: string }[]>`SELECT org_id FROM users WHERE user_id = ${device.userId} FOR UPDATE`
      if (!m || !(await scim.rejoining(tx, device.userId, m.org_id))) return false
      if ((await tx`SELECT 1 FROM devices WHERE user_id = ${device.userId} AND status = 'active'`).length > 0) return false
      await insertDevice(tx, { ...device, status: 'active' })
      await scim.clearRejoin(tx, device.userId)
      await recordDirectoryUpdate(tx, device.userId)
      return true
    })
  }
  // Single sign-on: sso-storage.ts.
  setSsoConfig = (org: OrgId, c: SsoConfigRecord): Promise<boolean> => sso.setSsoConfig(this.#sql, org, c)
  getSsoConfig = (org: OrgId): Promise<SsoConfigRecord | null> => sso.getSsoConfig(this.#sql, org)
  ssoUserOfSubject = (org: OrgId, issuer: string, subject: string): Promise<UserId | null> => sso.ssoUserOfSubject(this.#sql, org, issuer, subject)
  recordSsoSignIn = (s: SsoSignIn) => sso.recordSsoSignIn(this.#sql, s)
  ssoSessionOf = (userId: UserId): Promise<SsoSessionState | null> => sso.ssoSessionOf(this.#sql, userId)
  ssoIdentityOf = (userId: UserId): Promise<SsoIdentity | null> => sso.ssoIdentityOf(this.#sql, userId)
  endSsoSessions = (org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): Promise<UserId[]> => sso.endSsoSessions(this.#sql, org, issuer, match, at)

  // ---- erasure (data ownership) ----
  /** Dead row versions stay on disk until PostgreSQL vacuums the tables (autovacuum, or VACUUM). */
  async eraseUser(userId: UserId): Promise<ErasureCounts> {
    return transaction(this.#sql, async (tx) => {
      const devices = (await tx<{ device_id: string }[]>`SELECT device_id FROM devices WHERE user_id = ${userId} FOR UPDATE`).map((r) => r.device_id)
      const ids = tx.array(devices)
      const gone = await tx<{ message: number | null }[]>`DELETE FROM queue WHERE device_id = ANY(${ids}::text[]) RETURNING message`
      await releaseMessages(tx, gone.map((r) => r.message))
      const kp = await tx`DELETE FROM key_packages WHERE device_id = ANY(${ids}::text[])`
      const gm = await tx`DELETE FROM group_members WHERE device_id = ANY(${ids}::text[])`
      const sent = await tx`UPDATE messages SET sender = ${ERASED_DEVICE_ID} WHERE sender = ANY(${ids}::text[])`
      // Inline queue rows hold their sender too (no index by sender: one pass over the queue).
      const sentInline = await tx`UPDATE queue SET sender = ${ERASED_DEVICE_ID} WHERE message IS NULL AND sender = ANY(${ids}::text[])`
      await tx`UPDATE group_resets SET reset_by = ${ERASED_DEVICE_ID} WHERE reset_by = ANY(${ids}::text[])`
      await tx`DELETE FROM recent_sends WHERE sender = ANY(${ids}::text[])`
      await tx`DELETE FROM blob_recipients WHERE device_id = ANY(${ids}::text[])`
      await tx`DELETE FROM device_seq WHERE device_id = ANY(${ids}::text[])`
      await tx`DELETE FROM push_subscriptions WHERE user_id = ${userId}`
      await tx`DELETE FROM revoked_memberships WHERE user_id = ${userId}`
      await tx`DELETE FROM invites WHERE creator = ${userId}`
      await tx`DELETE FROM devices WHERE user_id = ${userId}`
      await tx`DELETE FROM enrolments WHERE user_id = ${userId}`
      await tx`DELETE FROM users WHERE user_id = ${userId}`
      await tx`DELETE FROM admins WHERE user_id = ${userId}`
      await tx`DELETE FROM consents WHERE user_id = ${userId}`
      await tx`DELETE FROM recovery_keys WHERE user_id = ${userId}`
      await tx`DELETE FROM history_archives WHERE user_id = ${userId}`
      await tx`UPDATE blob_bindings SET uploader = NULL WHERE uploader = ${userId}`
      await tx`DELETE FROM sso_identities WHERE user_id = ${userId}`
      // Consent to be contacted: their contacts, blocks (either side) and requests (either side), with what those held.
      await tx`DELETE FROM request_holds WHERE request_id IN (SELECT request_id FROM contact_requests WHERE recipient = ${userId} OR sender = ${userId})`
      await tx`DELETE FROM contact_requests WHERE recipient = ${userId} OR sender = ${userId}`
      await tx`DELETE FROM contacts WHERE user_id = ${userId} OR contact_id = ${userId}`
      await tx`DELETE FROM blocks WHERE user_id = ${userId} OR blocked_id = ${userId}`
      const ar = await tx`UPDATE access_log SET subject = NULL, envelope = NULL, position = NULL WHERE subject = ${userId}`
      await scim.eraseScim(tx, userId, Date.now())
      await reserveUserId(tx, userId)
      await recordDirectoryUpdate(tx, userId, true)
      return { devices: devices.length, queued: gone.length, keyPackages: kp.count, memberships: gm.count, sentMessages: sent.count + sentInline.count, accessReceipts: ar.count }
    })
  }

  async purgeDeleted(): Promise<void> {
    // Dead row versions are removed by (auto)vacuum; nothing to force here.
  }

  // ---- consent ledger (data ownership) ----
  async appendConsent(userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number> {
    const [r] = await this.#sql<{ seq: number }[]>`
      INSERT INTO consents (user_id, record, signature, at) VALUES (${userId}, ${record}, ${buf(signature)}, ${at}) RETURNING seq`
    return r!.seq
  }

  async listConsents(userId: UserId): Promise<StoredConsent[]> {
    const rows = await this.#sql<{ seq: number; record: string; signature: Buffer; at: number }[]>`
      SELECT seq, record, signature, at FROM consents WHERE user_id = ${userId} ORDER BY seq`
    return rows.map((r) => ({ seq: r.seq, record: r.record, signature: bytes(r.signature), at: r.at }))
  }

  // ---- retention (data ownership) ----
  async setRetention(groupId: GroupId, retentionMs: number | null): Promise<void> {
    if (retentionMs === null) await this.#sql`DELETE FROM group_retention WHERE group_id = ${groupId}`
    else {
      await this.#sql`
        INSERT INTO group_retention (group_id, retention_ms) VALUES (${groupId}, ${retentionMs})
        ON CONFLICT (group_id) DO UPDATE SET retention_ms = EXCLUDED.retention_ms`
    }
  }

  async getRetention(groupId: GroupId): Promise<number | null> {
    const [r] = await this.#sql<{ retention_ms: number }[]>`SELECT retention_ms FROM group_retention WHERE group_id = ${groupId}`
    return r?.retention_ms ?? null
  }

  /** Application messages only: commits and welcomes carry no content and keep the group followable. */
  async expireMessages(now: number): Promise<number> {
    return transaction(this.#sql, async (tx) => {
      if ((await tx`SELECT 1 FROM group_retention LIMIT 1`).length === 0) return 0
      // Inline (one-recipient) messages: one pass over the queue, which has no index by group
      // (it holds only what is not yet acknowledged), as the SQLite store does.
      const inline = await tx`
        DELETE FROM queue q USING group_retention r
        WHERE q.message IS NULL AND q.kind = 0 AND r.group_id = q.group_id AND q.sent_at + r.retention_ms <= ${now}`
      const ids = (await tx<{ id: number }[]>`
        SELECT m.id FROM messages m JOIN group_retention r ON r.group_id = m.group_id
        WHERE m.kind = 0 AND m.sent_at + r.retention_ms <= ${now} ORDER BY m.id FOR UPDATE OF m`).map((r) => r.id)
      if (ids.length === 0) return inline.count
      await tx`DELETE FROM queue WHERE message = ANY(${tx.array(ids)}::bigint[])`
      const gone = await tx`DELETE FROM messages WHERE id = ANY(${tx.array(ids)}::bigint[])`
      return inline.count + gone.count
    })
  }
}

async function insertDevice(db: Db, d: DeviceRecord): Promise<void> {
  try {
    await db`
      INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation)
      VALUES (${d.deviceId}, ${d.userId}, ${d.name}, ${buf(d.publicKey)}, ${d.status}, ${d.createdAt},
              ${d.attestation?.by ?? null}, ${d.attestation ? buf(d.attestation.signature) : null})`
  } catch (e) {
    if (sqlState(e) === '23505') throw new CandorError('conflict', 'this device key is already registered', { cause: e })
    throw e
  }
}

/** The groups with these ids, members in byte order, groups in id order. */
async function groups(db: Db, ids: readonly GroupId[]): Promise<GroupRecord[]> {
  if (ids.length === 0) return []
  const rows = await db<{ group_id: GroupId; epoch: number; members: DeviceId[] }[]>`
    SELECT g.group_id, g.epoch,
      coalesce(array_agg(m.device_id ORDER BY m.device_id) FILTER (WHERE m.device_id IS NOT NULL), '{}') AS members
    FROM groups g LEFT JOIN group_members m ON m.group_id = g.group_id
    WHERE g.group_id = ANY(${db.array([...ids])}::text[])
    GROUP BY g.group_id, g.epoch ORDER BY g.group_id`
  return rows.map((r) => ({ groupId: r.group_id, epoch: r.epoch, members: r.members }))
}
