// The Store on embedded SQLite (better-sqlite3): the default for one node. Calls are
// synchronous underneath; every method runs in one transaction. This file opens the database
// and wires the Store's methods to the files that keep each part: users and devices in
// account-storage.ts, key packages, groups, nonces and meta each in their own, the message
// queue (the hot path) in queue-storage.ts, and the key directory, access log, administrators,
// consents, retention, enrolment requests, witness cosignatures and the rest likewise.
import type Database from 'better-sqlite3'
import { DEFAULT_ORG_ID, type DeviceId, type GroupId, type MessageId, type OrgId, type SignupMode, type UserId } from '@candor/protocol'
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
import { openDatabase } from './open-database.ts'
import { SqliteMeta } from './meta-storage.ts'
import { SqliteAccounts } from './account-storage.ts'
import { SqliteNonces } from './nonce-storage.ts'
import { SqliteKeyPackages } from './key-package-storage.ts'
import { SqliteGroups } from './group-storage.ts'
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
import { truncateWal } from './wal-purge.ts'
import type { DirectoryStorage } from '@candor/transparency'

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
  readonly #meta: SqliteMeta
  readonly #accounts: SqliteAccounts
  readonly #nonces: SqliteNonces
  readonly #keyPackages: SqliteKeyPackages
  readonly #groups: SqliteGroups

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
    // Prepared in the order the statements were before they left this file.
    this.#meta = new SqliteMeta(db)
    this.#accounts = new SqliteAccounts(db, this.#queue, this.#lifecycle, this.#orgs, this.#scim)
    this.#nonces = new SqliteNonces(db, this.#queue)
    this.#keyPackages = new SqliteKeyPackages(db)
    this.#groups = new SqliteGroups(db, this.#queue)
  }

  static open(path: string, options: SqliteOptions = {}): SqliteStore {
    const synchronous = options.synchronous ?? 'FULL'
    const { db, journal } = openDatabase(path, synchronous)
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
    return this.#meta.getOrCreate(key, create)
  }

  async legacySecrets(): Promise<LegacySecrets> {
    return this.#meta.legacySecrets()
  }

  /**
   * secure_delete zeroes the rows' cells in the page the delete writes; the truncating
   * checkpoint then copies that page over the file's and drops every older image of it from
   * the WAL (the meta page is rewritten often — the queue's seq ceiling lives there — so the
   * WAL may hold many).
   */
  async eraseLegacySecrets(): Promise<void> {
    this.#meta.eraseLegacySecrets()
    await this.purgeDeleted()
  }

  // ---- users and devices (account-storage.ts) ----
  async createUser(userId: UserId, device: DeviceRecord, membership: NewMembership = { org: DEFAULT_ORG_ID, guest: false }): Promise<void> {
    this.#accounts.createUser(userId, device, membership)
  }

  async userExists(userId: UserId): Promise<boolean> {
    return this.#accounts.userExists(userId)
  }

  async addDevice(device: DeviceRecord): Promise<void> {
    this.#accounts.addDevice(device)
  }

  async getDevice(deviceId: DeviceId): Promise<DeviceRecord | null> {
    return this.#accounts.getDevice(deviceId)
  }

  async deviceAccess(deviceId: DeviceId): Promise<DeviceAccess | null> {
    return this.#accounts.deviceAccess(deviceId)
  }

  async listDevices(userId: UserId): Promise<DeviceRecord[]> {
    return this.#accounts.listDevices(userId)
  }

  async revokeDevice(deviceId: DeviceId, userId: UserId): Promise<{ device: DeviceRecord; groups: GroupId[] } | null> {
    return this.#accounts.revokeDevice(deviceId, userId)
  }

  // ---- the key directory's backlog (lifecycle-storage.ts) ----
  async directoryBacklog(limit: number): Promise<DirectoryBacklogEntry[]> {
    return this.#lifecycle.backlog(limit)
  }

  async clearDirectoryBacklog(seqs: readonly number[]): Promise<void> {
    this.#db.transaction(() => this.#lifecycle.clear(seqs))()
  }

  // ---- enrolment requests (enrolment-storage.ts) ----
  fileEnrolment = async (request: EnrolmentRecord, maxPending: number, now: number): Promise<{ dropped: DeviceId[] }> => this.#enrolments.file(request, maxPending, now)
  listEnrolments = async (userId: UserId, now: number): Promise<EnrolmentRecord[]> => this.#enrolments.list(userId, now)
  getEnrolment = async (deviceId: DeviceId, now: number): Promise<EnrolmentRecord | null> => this.#enrolments.get(deviceId, now)
  async approveEnrolment(deviceId: DeviceId, userId: UserId, attestation: DeviceAttestation, now: number, maxDevices: number, hold = false): Promise<DeviceRecord | null> {
    return this.#db.transaction(() => {
      const device = this.#enrolments.approve(deviceId, userId, attestation, now, maxDevices, hold)
      if (device && !hold) this.#lifecycle.record(userId)
      return device
    }).immediate()
  }
  denyEnrolment = async (deviceId: DeviceId, userId: UserId): Promise<boolean> => this.#enrolments.deny(deviceId, userId)

  // ---- witness cosignatures ----
  putCosignature = async (c: WitnessCosignatureRecord): Promise<'stored' | 'unchanged' | 'older'> => this.#cosignatures.put(c)
  cosignaturesAt = async (size: number): Promise<WitnessCosignatureRecord[]> => this.#cosignatures.at(size)

  /** Single use, durable before it answers (nonce-storage.ts). */
  consumeNonce(nonce: string, expiresAt: number): Promise<boolean> {
    return this.#nonces.consume(nonce, expiresAt)
  }

  // ---- key packages (key-package-storage.ts) ----
  async addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite = 1): Promise<void> {
    this.#keyPackages.add(deviceId, oneTime, lastResort, suite)
  }

  async claimKeyPackage(deviceId: DeviceId, lastResortOnly = false, suite = 1): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null> {
    return this.#keyPackages.claim(deviceId, lastResortOnly, suite)
  }

  async countKeyPackages(deviceId: DeviceId, suite = 1): Promise<{ oneTime: number; lastResort: boolean }> {
    return this.#keyPackages.count(deviceId, suite)
  }

  // ---- groups (group-storage.ts) ----
  async createGroup(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean> {
    return this.#groups.create(groupId, creator, createdAt, groupInfo)
  }

  async getGroup(groupId: GroupId): Promise<GroupRecord | null> {
    return this.#groups.get(groupId)
  }

  async groupInfo(groupId: GroupId): Promise<Uint8Array | null> {
    return this.#groups.groupInfo(groupId)
  }

  async formerGroups(userId: UserId): Promise<GroupId[]> {
    return this.#lifecycle.formerGroups(userId)
  }

  async listGroups(deviceId: DeviceId): Promise<GroupRecord[]> {
    return this.#groups.list(deviceId)
  }

  async removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void> {
    this.#groups.removeMember(groupId, deviceId)
  }

  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.#queue.appendMessages(batch)
  }

  async acceptCommit(c: CommitInput): Promise<CommitResult> {
    return this.#groups.acceptCommit(c)
  }

  async acceptedCommit(groupId: GroupId, epoch: number): Promise<MessageId | null> {
    return this.#groups.acceptedCommit(groupId, epoch)
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
  bindBlob = async (b: BlobBinding): Promise<boolean> => this.#blobs.bind(b)
  blobGroup = async (blobId: BlobId): Promise<BlobBinding | null> => this.#blobs.get(blobId)
  unbindBlob = async (blobId: BlobId): Promise<boolean> => this.#blobs.unbind(blobId)
  blobBytesOf = async (uploader: UserId): Promise<number> => this.#blobs.bytesOf(uploader)
  blobsOf = async (uploader: UserId, limit: number): Promise<BlobBinding[]> => this.#blobs.of(uploader, limit)
  blobsWithoutMembers = async (limit: number): Promise<BlobId[]> => this.#blobs.withoutMembers(limit)
  sealBlob = async (blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): Promise<boolean> => this.#blobLife.seal(blobId, recipients, expiresAt)
  blobDelivery = async (blobId: BlobId): Promise<BlobDelivery | null> => this.#blobLife.delivery(blobId)
  markBlobFetched = async (blobId: BlobId, deviceId: DeviceId, at: number): Promise<boolean> => this.#blobLife.markFetched(blobId, deviceId, at)
  blobsFetchedByAll = async (limit: number, only?: BlobId): Promise<BlobId[]> => this.#blobLife.fetchedByAll(limit, only)
  blobsExpired = async (now: number, limit: number): Promise<BlobId[]> => this.#blobLife.expired(now, limit)

  // ---- the message queue (queue-storage.ts) ----
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
  appendAccessLeaf = async (leaf: NewAccessLeaf): Promise<number> => this.#accessLog.append(leaf)
  accessLeafHashes = async (fromIndex: number, limit: number): Promise<Uint8Array[]> => this.#accessLog.hashes(fromIndex, limit)
  accessLeavesOf = async (subject: UserId, now: number): Promise<AccessLeaf[]> => this.#accessLog.leavesOf(subject, now)
  tallyAccessReceipts = async (subject: UserId, now: number): Promise<ReceiptTally> => this.#accessLog.tally(subject, now)
  untalliedAccessSubjects = async (now: number, limit: number): Promise<UserId[]> => this.#accessLog.untalliedSubjects(now, limit)

  // ---- administrators (data ownership) ----
  addAdmin = async (a: AdminRecord): Promise<boolean> => this.#admins.add(a)
  getAdmin = async (userId: UserId): Promise<AdminRecord | null> => this.#admins.get(userId)
  countAdmins = async (): Promise<number> => this.#admins.count()
  listAdmins = async (): Promise<AdminRecord[]> => this.#admins.list()
  removeAdmin = async (userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'> => this.#admins.remove(userId)

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
    return this.#accounts.addProvisionedDevice(device)
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

  /** Truncates the WAL so no older page image of a deleted row survives (wal-purge.ts). */
  async purgeDeleted(): Promise<void> {
    return truncateWal(this.#db)
  }

  // ---- consent ledger (data ownership) ----
  appendConsent = async (userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number> => this.#consents.append(userId, record, signature, at)
  listConsents = async (userId: UserId): Promise<StoredConsent[]> => this.#consents.list(userId)

  // ---- retention (data ownership) ----
  setRetention = async (groupId: GroupId, retentionMs: number | null): Promise<void> => this.#retention.set(groupId, retentionMs)
  getRetention = async (groupId: GroupId): Promise<number | null> => this.#retention.get(groupId)
  expireMessages = async (now: number): Promise<number> => this.#retention.expire(now)
}
