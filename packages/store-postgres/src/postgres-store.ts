// The Store on PostgreSQL, for several server nodes sharing one database. Every method is
// one statement or one transaction, and each is correct when other nodes run the same
// methods concurrently; see README.md for how seqs, epochs and key packages stay consistent.
// The class holds the connections and what is per node (ack batching, sweep timers); each
// area's SQL is in its own *-storage.ts file, named in the section comments below.
import type { DeviceId, GroupId, MessageId, OrgId, SignupMode, UserId } from '@candor/protocol'
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
import { connect, migrate, retrying, type ConnectOptions, type Sql } from './connection.ts'
import { PostgresContacts } from './contact-storage.ts'
import { PostgresAccountRecovery } from './account-recovery-storage.ts'
import { PostgresGovernance } from './governance-storage.ts'
import { PostgresOrgDevices } from './org-device-storage.ts'
import { PostgresCompliance } from './compliance-storage.ts'
import { PostgresPushSubscriptions } from './push-storage.ts'
import { appendIn, pruneRecentSends } from './message-writes.ts'
import { AckBatcher } from './ack-batcher.ts'
import { openAckPool } from './ack-pool.ts'
import * as meta from './meta-storage.ts'
import * as devices from './device-storage.ts'
import * as keyPackages from './key-package-storage.ts'
import * as groups from './group-storage.ts'
import { fetchQueue, pendingCount } from './queue-reads.ts'
import * as accessLog from './access-log-storage.ts'
import * as admins from './admin-storage.ts'
import { eraseUser } from './erasure-storage.ts'
import { appendConsent, listConsents } from './consent-storage.ts'
import * as retention from './retention-storage.ts'
import * as orgs from './organisation-storage.ts'
import * as scim from './scim-storage.ts'
import * as blobs from './blob-binding-storage.ts'
import * as blobLife from './blob-lifecycle-storage.ts'
import { PostgresInvites } from './invite-storage.ts'
import * as sso from './sso-storage.ts'
import { PostgresDirectoryStorage, withDirectoryLock } from './directory-storage.ts'
import { PostgresNonces } from './nonce-storage.ts'
import { approveEnrolment, denyEnrolment, fileEnrolment, getEnrolment, listEnrolments } from './enrolment-storage.ts'
import { cosignaturesAt, putCosignature } from './cosignature-storage.ts'
import { groupResets, resetGroup } from './group-reset-storage.ts'
import { sweepGroupState } from './group-state-sweep.ts'
import { clearDirectoryBacklog, directoryBacklog, formerGroups, revokeDevice } from './lifecycle-storage.ts'
import type { DirectoryStorage } from '@candor/transparency'

export type PostgresOptions = ConnectOptions

export class PostgresStore implements Store {
  /** Per-device counter rows: seqs are 1, 2, 3, … per device and commit in order (README). */
  readonly contiguousSeqs = true
  readonly #sql: Sql
  /** Acknowledgements' own connection (ack-pool.ts). */
  readonly #ackSql: Sql
  readonly #acks: AckBatcher
  readonly #nonces: PostgresNonces

  private constructor(sql: Sql, ackSql: Sql) {
    this.#sql = sql
    this.#ackSql = ackSql
    this.#acks = new AckBatcher(ackSql)
    this.#nonces = new PostgresNonces(sql)
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

  getOrCreateMeta(key: string, create: () => string): Promise<string> {
    return meta.getOrCreateMeta(this.#sql, key, create)
  }

  legacySecrets(): Promise<LegacySecrets> {
    return meta.legacySecrets(this.#sql)
  }

  eraseLegacySecrets(): Promise<void> {
    return meta.eraseLegacySecrets(this.#sql)
  }

  // ---- users and devices (device-storage.ts) ----
  createUser(userId: UserId, device: DeviceRecord, membership?: NewMembership): Promise<void> {
    return devices.createUser(this.#sql, userId, device, membership)
  }

  userExists(userId: UserId): Promise<boolean> {
    return devices.userExists(this.#sql, userId)
  }

  addDevice(device: DeviceRecord): Promise<void> {
    return devices.insertDevice(this.#sql, device)
  }

  getDevice(deviceId: DeviceId): Promise<DeviceRecord | null> {
    return devices.getDevice(this.#sql, deviceId)
  }

  deviceAccess(deviceId: DeviceId): Promise<DeviceAccess | null> {
    return devices.deviceAccess(this.#sql, deviceId)
  }

  listDevices(userId: UserId): Promise<DeviceRecord[]> {
    return devices.listDevices(this.#sql, userId)
  }

  revokeDevice(deviceId: DeviceId, userId: UserId): Promise<{ device: DeviceRecord; groups: GroupId[] } | null> {
    return revokeDevice(this.#sql, deviceId, userId, devices.toDevice)
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

  /** Swept now and then by each node: nonce-storage.ts. */
  consumeNonce(nonce: string, expiresAt: number): Promise<boolean> {
    return this.#nonces.consume(nonce, expiresAt)
  }

  // ---- key packages (key-package-storage.ts) ----
  addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite?: number): Promise<void> {
    return keyPackages.addKeyPackages(this.#sql, deviceId, oneTime, lastResort, suite)
  }

  claimKeyPackage(deviceId: DeviceId, lastResortOnly?: boolean, suite?: number): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null> {
    return keyPackages.claimKeyPackage(this.#sql, deviceId, lastResortOnly, suite)
  }

  countKeyPackages(deviceId: DeviceId, suite?: number): Promise<{ oneTime: number; lastResort: boolean }> {
    return keyPackages.countKeyPackages(this.#sql, deviceId, suite)
  }

  // ---- groups (group-storage.ts) ----
  createGroup(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean> {
    return groups.createGroup(this.#sql, groupId, creator, createdAt, groupInfo)
  }

  getGroup(groupId: GroupId): Promise<GroupRecord | null> {
    return groups.getGroup(this.#sql, groupId)
  }

  groupInfo(groupId: GroupId): Promise<Uint8Array | null> {
    return groups.groupInfo(this.#sql, groupId)
  }

  listGroups(deviceId: DeviceId): Promise<GroupRecord[]> {
    return groups.listGroups(this.#sql, deviceId)
  }

  removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void> {
    return groups.removeMember(this.#sql, groupId, deviceId)
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

  acceptCommit(c: CommitInput): Promise<CommitResult> {
    return groups.acceptCommit(this.#sql, c)
  }

  acceptedCommit(groupId: GroupId, epoch: number): Promise<MessageId | null> {
    return groups.acceptedCommit(this.#sql, groupId, epoch)
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

  fetchQueue(deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    return fetchQueue(this.#sql, deviceId, afterSeq, limit)
  }

  /** Batched per event-loop turn across connections (see ack-batcher.ts). */
  async ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0) return 0
    return this.#acks.ack(deviceId, seqs)
  }

  /** A session advisory lock, held while one node publishes an epoch: directory-storage.ts. */
  withDirectoryLock<T>(fn: () => Promise<T>): Promise<T> {
    return withDirectoryLock(this.#sql, fn)
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

  pendingCount(deviceId: DeviceId): Promise<number> {
    return pendingCount(this.#sql, deviceId)
  }

  // ---- access log (access-log-storage.ts) ----
  appendAccessLeaf(l: NewAccessLeaf): Promise<number> {
    return accessLog.appendAccessLeaf(this.#sql, l)
  }

  accessLeafHashes(fromIndex: number, limit: number): Promise<Uint8Array[]> {
    return accessLog.accessLeafHashes(this.#sql, fromIndex, limit)
  }

  accessLeavesOf(subject: UserId, now: number): Promise<AccessLeaf[]> {
    return accessLog.accessLeavesOf(this.#sql, subject, now)
  }

  tallyAccessReceipts(subject: UserId, now: number): Promise<ReceiptTally> {
    return accessLog.tallyAccessReceipts(this.#sql, subject, now)
  }

  untalliedAccessSubjects(now: number, limit: number): Promise<UserId[]> {
    return accessLog.untalliedAccessSubjects(this.#sql, now, limit)
  }

  // ---- administrators (admin-storage.ts) ----
  addAdmin(a: AdminRecord): Promise<boolean> {
    return admins.addAdmin(this.#sql, a)
  }

  getAdmin(userId: UserId): Promise<AdminRecord | null> {
    return admins.getAdmin(this.#sql, userId)
  }

  countAdmins(): Promise<number> {
    return admins.countAdmins(this.#sql)
  }

  listAdmins(): Promise<AdminRecord[]> {
    return admins.listAdmins(this.#sql)
  }

  removeAdmin(userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'> {
    return admins.removeAdmin(this.#sql, userId)
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

  activeDevicesOf(userId: UserId): Promise<DeviceId[]> {
    return devices.activeDevicesOf(this.#sql, userId)
  }

  addProvisionedDevice(device: DeviceRecord): Promise<boolean> {
    return devices.addProvisionedDevice(this.#sql, device)
  }
  // Single sign-on: sso-storage.ts.
  setSsoConfig = (org: OrgId, c: SsoConfigRecord): Promise<boolean> => sso.setSsoConfig(this.#sql, org, c)
  getSsoConfig = (org: OrgId): Promise<SsoConfigRecord | null> => sso.getSsoConfig(this.#sql, org)
  ssoUserOfSubject = (org: OrgId, issuer: string, subject: string): Promise<UserId | null> => sso.ssoUserOfSubject(this.#sql, org, issuer, subject)
  recordSsoSignIn = (s: SsoSignIn) => sso.recordSsoSignIn(this.#sql, s)
  ssoSessionOf = (userId: UserId): Promise<SsoSessionState | null> => sso.ssoSessionOf(this.#sql, userId)
  ssoIdentityOf = (userId: UserId): Promise<SsoIdentity | null> => sso.ssoIdentityOf(this.#sql, userId)
  endSsoSessions = (org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): Promise<UserId[]> => sso.endSsoSessions(this.#sql, org, issuer, match, at)

  // ---- erasure (erasure-storage.ts) ----
  eraseUser(userId: UserId): Promise<ErasureCounts> {
    return eraseUser(this.#sql, userId)
  }

  async purgeDeleted(): Promise<void> {
    // Dead row versions are removed by (auto)vacuum; nothing to force here.
  }

  // ---- consent ledger (consent-storage.ts) ----
  appendConsent(userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number> {
    return appendConsent(this.#sql, userId, record, signature, at)
  }

  listConsents(userId: UserId): Promise<StoredConsent[]> {
    return listConsents(this.#sql, userId)
  }

  // ---- retention (retention-storage.ts) ----
  setRetention(groupId: GroupId, retentionMs: number | null): Promise<void> {
    return retention.setRetention(this.#sql, groupId, retentionMs)
  }

  getRetention(groupId: GroupId): Promise<number | null> {
    return retention.getRetention(this.#sql, groupId)
  }

  expireMessages(now: number): Promise<number> {
    return retention.expireMessages(this.#sql, now)
  }
}
