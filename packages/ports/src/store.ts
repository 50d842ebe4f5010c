// The storage interface of the server. Adapters (store-sqlite, store-postgres) implement it;
// the shared contract suite (@candor/testkit/store-contract) runs against every adapter.
import type { AdminRole, DeviceId, DeviceStatus, GroupId, MessageId, MessageKind, OrgId, SignupMode, UserId } from '@candor/protocol'
import type { DirectoryStorage } from '@candor/transparency'
import type { ScimStore } from './scim-store.ts'
import type { InviteStorage } from './invite-storage.ts'
import type { BlobId } from './blob-store.ts'
import type { ContactStorage } from './contact-storage.ts'
import type { AccountRecoveryStorage } from './account-recovery-storage.ts'
import type { GovernanceStorage } from './governance-storage.ts'
import type { ComplianceStorage } from './compliance-storage.ts'
import type { PushSubscriptionStorage } from './push-storage.ts'
import type { OrgDeviceStorage } from './org-device-storage.ts'

/** The signature that enrolled a device: its own registration, or an existing device's approval. */
export interface DeviceAttestation {
  /** The approving device, or 'recovery' for the person's recovery key (docs/protocol.md §4.2). */
  by: DeviceId | 'recovery'
  signature: Uint8Array
}

export interface DeviceRecord {
  deviceId: DeviceId
  userId: UserId
  name: string
  publicKey: Uint8Array
  status: DeviceStatus
  createdAt: number
  /** Absent while a device is pending approval. */
  attestation?: DeviceAttestation
}

/**
 * A request, filed by a new device itself, to become a device of `userId`. It is not a device:
 * it counts toward no limit but its own, and it is gone once approved, denied, dropped for a
 * newer one or expired.
 */
export interface EnrolmentRecord {
  deviceId: DeviceId
  userId: UserId
  name: string
  publicKey: Uint8Array
  createdAt: number
  expiresAt: number
}

/** A witness's C2SP cosignature/v1 of the key-directory checkpoint of `size`. */
export interface WitnessCosignatureRecord {
  /** The witness's key name and key ID, as in its verifier key. */
  witness: string
  keyId: number
  size: number
  /** The cosignature's own time (POSIX seconds), also the first 8 bytes of `signature`. */
  timestamp: number
  /** The note signature after the key ID: u64 timestamp ‖ Ed25519 signature (72 bytes). */
  signature: Uint8Array
}

export interface GroupRecord {
  groupId: GroupId
  epoch: number
  members: DeviceId[]
}

export interface NewMessage {
  messageId: MessageId
  groupId: GroupId
  sender: DeviceId
  kind: MessageKind
  sentAt: number
  payload: Uint8Array
  recipients: readonly DeviceId[]
}

/** Where one stored message went: the recipient device and its queue position. */
export interface Delivery {
  deviceId: DeviceId
  seq: number
}

export interface AppendResult {
  /** True when (sender, messageId) was stored before: nothing new was queued. */
  duplicate: boolean
  sentAt: number
  deliveries: Delivery[]
}

export interface QueuedMessage {
  seq: number
  messageId: MessageId
  groupId: GroupId
  sender: DeviceId
  kind: MessageKind
  sentAt: number
  payload: Uint8Array
}

export interface CommitInput {
  groupId: GroupId
  /** The epoch the commit was made in; it must equal the group's current epoch. */
  epoch: number
  sender: DeviceId
  messageId: MessageId
  sentAt: number
  commit: Uint8Array
  welcome: Uint8Array | undefined
  /** Devices that join the delivery roster (the welcome goes to them). */
  added: readonly DeviceId[]
  /** Devices that leave the delivery roster (they are still sent the commit). */
  removed: readonly DeviceId[]
  /** The group's GroupInfo after the commit (docs/protocol.md §5.1), kept as its public state. */
  groupInfo: Uint8Array
}

/** What the group-state sweep may delete (Store.sweepGroupState). */
export interface GroupStateSweep {
  supersededBefore: number
  keepEpochs: number
  limit: number
}

export interface GroupStateSwept {
  /** GroupInfos deleted (of groups reset before the cut-off). */
  groupInfos: number
  /** Accepted-commit records deleted (of at most `limit` groups). */
  commits: number
}

/**
 * A conversation reset onto a new MLS group (docs/protocol.md §5.4): `groupId` replaced
 * `previousGroup` under the same conversation, created by `resetBy` at `epoch` of the previous group.
 */
export interface GroupReset {
  conversationId: GroupId
  previousGroup: GroupId
  groupId: GroupId
  /** The previous group's epoch the resetting device was at. */
  epoch: number
  resetBy: DeviceId
  resetAt: number
}

export type ResetResult = { reset: true } | { reset: false; existing: GroupReset | null }

export type CommitResult =
  | { accepted: true; epoch: number; sentAt: number; deliveries: Delivery[] }
  | { accepted: false; epoch: number }

/**
 * Meta rows under which versions before the key file kept the server's secrets. (A type only:
 * each adapter lists them as `Record<LegacySecretName, …>` keys, so the compiler keeps the lists whole.)
 */
export type LegacySecretName =
  | 'token-secret'
  | 'directory-signing-key'
  | 'directory-vrf-key'
  | 'access-log-signing-key'
  | 'access-pseudonym-key'
  | 'admin-enrolment-secret'
/** Each present legacy secret as it was stored: base64url of 32 random bytes. */
export type LegacySecrets = Partial<Record<LegacySecretName, string>>

export interface Store extends ScimStore {
  /**
   * True when each device's queue seqs are contiguous (1, 2, 3, … per device, no holes) and
   * become visible in seq order, so a committed seq implies every lower seq of that device
   * is committed (PostgreSQL: a per-device counter row locked until commit). A live
   * connection then treats a delivery with seq > last pushed + 1 as "fetch the queue", never
   * pushing past the gap. False when seqs only increase (SQLite: one global counter, so a
   * device sees 3, 7, 12, …); gaps then mean nothing and deliveries are pushed as they come.
   */
  readonly contiguousSeqs: boolean

  close(): Promise<void>

  /**
   * Value stored under key, creating it with `create()` first if absent. Never a secret (those
   * live in the key file): e.g. the public keys the database is served with.
   */
  getOrCreateMeta(key: string, create: () => string): Promise<string>

  /**
   * The server secrets that versions before the key file kept in the store (meta rows under
   * LEGACY_SECRET_NAMES); empty once they have moved out. Read only to move them to the key file.
   */
  legacySecrets(): Promise<LegacySecrets>
  /**
   * Deletes those rows and then the older images of them the engine keeps (SQLite: zeroed by
   * secure_delete, WAL truncated; PostgreSQL: the table rewritten), so a copy of the database
   * files taken afterwards holds none of them. Idempotent.
   */
  eraseLegacySecrets(): Promise<void>

  /**
   * Creates the user, its first (active) device and its membership (default: a member of
   * `default`), and records a directory update for the user (directoryBacklog), in one
   * transaction. Throws CandorError('user_exists'), or CandorError('user_id_reserved') for the
   * id of an erased account (unless its organisation provisioned the same person again over
   * SCIM: createScimUser, and `membership.org` is that organisation); either changes nothing.
   */
  createUser(userId: UserId, device: DeviceRecord, membership?: NewMembership): Promise<void>
  userExists(userId: UserId): Promise<boolean>
  /** Adds a further device as it is; throws on a duplicate id. (Enrolment goes through fileEnrolment.) */
  addDevice(device: DeviceRecord): Promise<void>
  getDevice(deviceId: DeviceId): Promise<DeviceRecord | null>
  /**
   * What checking a session token needs of its device, in one read: the device's user and
   * status, and whether the user's organisation has identity-provider settings (getSsoConfig
   * not null — only then can SSO apply, by the settings or by the policy's sso.required).
   * Null when there is no such device.
   */
  deviceAccess(deviceId: DeviceId): Promise<DeviceAccess | null>
  listDevices(userId: UserId): Promise<DeviceRecord[]>
  /**
   * Revokes the user's device in one transaction: its status becomes revoked, its queue and key
   * packages are deleted, it leaves every group's delivery roster, and a directory update for the
   * user is recorded (directoryBacklog). Returns the device as it was and the groups it left;
   * null when the user has no such device. A device revoked already is returned unchanged, with
   * no groups, and nothing is recorded.
   */
  revokeDevice(deviceId: DeviceId, userId: UserId): Promise<{ device: DeviceRecord; groups: GroupId[] } | null>
  /**
   * The groups devices of this user left by their revocation (recorded in revokeDevice's
   * transaction, once per group; erased with the account), sorted: where a recovered device of
   * the person may take a revoked device's place (docs/protocol.md §5.2). Whether the group's
   * tree still has a leaf of theirs is the caller's check.
   */
  formerGroups(userId: UserId): Promise<GroupId[]>

  // ---- the key directory's backlog ----
  /**
   * Directory updates recorded by createUser, approveEnrolment, revokeDevice and eraseUser in
   * their own transactions and not yet cleared, oldest first, at most `limit`. The directory
   * publishes each user's entry as the device table has it, then clears them, so a crash between
   * a change and its publication never leaves the two disagreeing for good.
   */
  directoryBacklog(limit: number): Promise<DirectoryBacklogEntry[]>
  /** Deletes these backlog entries (once their users' entries are published). */
  clearDirectoryBacklog(seqs: readonly number[]): Promise<void>

  // ---- enrolment requests ----
  /**
   * Files an enrolment request in one transaction: first deletes every request expired at
   * `now` (anyone's), then refuses a key that is already a device (CandorError('conflict')) or
   * a user that does not exist (CandorError('unknown_user')), replaces an earlier request of
   * the same key, and when the user already has `maxPending` requests drops the oldest filed.
   * Returns the ids of the requests it dropped to make room.
   */
  fileEnrolment(request: EnrolmentRecord, maxPending: number, now: number): Promise<{ dropped: DeviceId[] }>
  /** The user's requests that have not expired at `now`, oldest filed first. */
  listEnrolments(userId: UserId, now: number): Promise<EnrolmentRecord[]>
  /** The request of this device id if it has not expired at `now`, else null. */
  getEnrolment(deviceId: DeviceId, now: number): Promise<EnrolmentRecord | null>
  /**
   * Makes the user's request an active device with this attestation, deletes the request and
   * records a directory update for the user (directoryBacklog), in one transaction; null when the user has no such request unexpired at `now` (denied,
   * dropped, expired or approved already). Refuses with CandorError('forbidden') when the user
   * already has `maxDevices` active devices. With `hold`, the device is made `pending` instead
   * (held for an admin's approval: OrgDeviceStorage.activateHeldDevice) and no directory update is recorded.
   */
  approveEnrolment(deviceId: DeviceId, userId: UserId, attestation: DeviceAttestation, now: number, maxDevices: number, hold?: boolean): Promise<DeviceRecord | null>
  /** Deletes the user's request of this device id; false when there was none. */
  denyEnrolment(deviceId: DeviceId, userId: UserId): Promise<boolean>

  /** Where the key directory keeps its entries and epochs. */
  directoryStorage(): DirectoryStorage
  /** Contacts, blocks, contact requests and their held deliveries (contact-storage.ts). */
  contacts(): ContactStorage
  /** Invite links (invite-storage.ts). */
  invites(): InviteStorage
  /** Recovery keys and sealed history archives (account-recovery-storage.ts). */
  accountRecovery(): AccountRecoveryStorage
  /** An organisation's audit trail, SIEM settings, approvals and policy versions (governance-storage.ts). */
  governance(): GovernanceStorage
  /** Archive key shares, unlock requests and their approvals, legal holds (compliance-storage.ts). */
  compliance(): ComplianceStorage
  /** Web Push subscriptions of devices (push-storage.ts). */
  pushSubscriptions(): PushSubscriptionStorage
  /** Devices held for an admin's approval, last-seen days, expired guests (org-device-storage.ts). */
  orgDevices(): OrgDeviceStorage
  /**
   * Runs fn while holding the cluster-wide key-directory publication lock, so only one node at a
   * time appends an epoch (a no-op lock where the store belongs to one process).
   */
  withDirectoryLock<T>(fn: () => Promise<T>): Promise<T>

  /**
   * Keeps a witness's cosignature in place of the one held for that witness (name and key ID)
   * if it is newer: of a larger checkpoint, or of the same checkpoint at a later time; atomic
   * when several nodes store at once. Another witness's cosignature is never touched.
   * 'unchanged': one of the same checkpoint and time is held; 'older': a newer one is held.
   */
  putCosignature(c: WitnessCosignatureRecord): Promise<'stored' | 'unchanged' | 'older'>
  /** The cosignatures held for the checkpoint of this size (each witness's newest). */
  cosignaturesAt(size: number): Promise<WitnessCosignatureRecord[]>

  /** Records a single-use nonce; false if it was seen before (a replay). */
  consumeNonce(nonce: string, expiresAt: number): Promise<boolean>

  /**
   * Key packages are kept per MLS cipher suite (`suite`: its code point, 1 unless told;
   * docs/protocol.md §4.5): each suite has its own one-time packages and its own last-resort one,
   * which `lastResort` replaces.
   */
  addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite?: number): Promise<void>
  /**
   * Takes one one-time package of `suite` (deleted as it is handed out), else that suite's
   * last-resort one (never deleted); with `lastResortOnly`, the last-resort one and nothing else.
   */
  claimKeyPackage(deviceId: DeviceId, lastResortOnly?: boolean, suite?: number): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null>
  countKeyPackages(deviceId: DeviceId, suite?: number): Promise<{ oneTime: number; lastResort: boolean }>

  /**
   * Creates a group at epoch 0 with its creator as the only member and `groupInfo` (the creator's
   * signed GroupInfo at epoch 0) as its public state; false if the id exists. (The server always
   * passes the group info; store tests of unrelated features may leave it out.)
   */
  createGroup(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean>
  /** The group's latest GroupInfo (its public state, docs/protocol.md §5.1); null for no group or none stored. */
  groupInfo(groupId: GroupId): Promise<Uint8Array | null>
  getGroup(groupId: GroupId): Promise<GroupRecord | null>
  listGroups(deviceId: DeviceId): Promise<GroupRecord[]>
  /** Removes a device from a group's delivery roster without an epoch change (leave, revoke). */
  removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void>

  /**
   * Stores a batch of messages in one durable transaction and queues each for its
   * recipients. Idempotent by (sender, messageId, kind): a commit and its welcome share an id.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>

  /**
   * Accepts a commit only if `epoch` is the group's current epoch: bumps the epoch, applies
   * the roster change, queues the commit to the other members (removed ones included) and
   * the welcome to the added devices, all in one transaction.
   */
  acceptCommit(c: CommitInput): Promise<CommitResult>
  /**
   * The message id of the commit accepted at `epoch` (the one that moved the group from `epoch`
   * to `epoch + 1`), recorded in acceptCommit's transaction; null when none was, or the group
   * does not exist. A committer whose answer was lost (a timeout, a crash) learns from it
   * whether its commit was the one.
   */
  acceptedCommit(groupId: GroupId, epoch: number): Promise<MessageId | null>

  /**
   * Resets a conversation in one transaction: creates `groupId` at epoch 0 with `resetBy` as its
   * only member and records it as the reset of `previousGroup`. A group is reset at most once:
   * `{ reset: false, existing }` when `previousGroup` was reset already (that reset), and
   * `{ reset: false, existing: null }` when `groupId` is taken; nothing changes then.
   */
  resetGroup(r: GroupReset, groupInfo?: Uint8Array): Promise<ResetResult>
  /** The reset that created this group (`from`) and the reset that replaced it (`to`), each null when none. */
  groupResets(groupId: GroupId): Promise<{ from: GroupReset | null; to: GroupReset | null }>
  /**
   * Deletes group state nobody can need any more (docs/protocol.md §5.10): the GroupInfo and the
   * accepted-commit records of groups reset onto a new one before `supersededBefore`; the
   * accepted-commit records of groups with no member left; and, of every other group, the
   * accepted-commit records more than `keepEpochs` epochs behind its epoch. At most `limit`
   * GroupInfos and the commit records of at most `limit` groups per call: the caller calls again
   * while it deletes any.
   * The groups' rows, rosters and reset links stay.
   */
  sweepGroupState(o: GroupStateSweep): Promise<GroupStateSwept>

  /** Queued messages of a device with seq > afterSeq, oldest first. */
  fetchQueue(deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]>
  /** Deletes acknowledged queue entries; returns how many existed. */
  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number>
  pendingCount(deviceId: DeviceId): Promise<number>

  // ---- access log (data ownership) ----
  /**
   * Appends one access-log leaf and returns its index: 0, 1, 2, … with no gaps, even when
   * several nodes append at once. The receipt's subject is kept beside it (never in the leaf)
   * so the subject can be handed their receipts.
   */
  appendAccessLeaf(leaf: NewAccessLeaf): Promise<number>
  /** Leaf hashes from `fromIndex` on, in index order, at most `limit`. */
  accessLeafHashes(fromIndex: number, limit: number): Promise<Uint8Array[]>
  /**
   * The subject's leaves readable at `now` (visibleAt <= now) or already tallied (a clock
   * behind the one that tallied them must not hide them), oldest first.
   */
  accessLeavesOf(subject: UserId, now: number): Promise<AccessLeaf[]>
  /**
   * Gives each of the subject's leaves that is readable at `now` and not yet tallied the next
   * position in the subject's tally (1, 2, … in index order), atomically even when several nodes
   * tally at once, and returns the tally: the highest position and that leaf's hash. Leaves
   * whose envelope is gone are tallied too: the tally counts what was logged for the subject.
   */
  tallyAccessReceipts(subject: UserId, now: number): Promise<ReceiptTally>
  /** Subjects with a leaf readable at `now` that is not yet tallied (a delayed notice whose date came), at most `limit`. */
  untalliedAccessSubjects(now: number, limit: number): Promise<UserId[]>

  // ---- administrators (data ownership) ----
  /** Makes a user an administrator; false if they already are one. */
  addAdmin(admin: AdminRecord): Promise<boolean>
  getAdmin(userId: UserId): Promise<AdminRecord | null>
  countAdmins(): Promise<number>
  /** Every administrator, oldest grant first. */
  listAdmins(): Promise<AdminRecord[]>
  /**
   * Takes a user's admin rights away, atomically refusing to remove the last operator (so the
   * service always keeps someone who can grant rights) even when several nodes revoke at once.
   */
  removeAdmin(userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'>

  // ---- organisations (tenants) ----
  /** Creates an organisation with no domains; false if the id exists. */
  createOrganisation(org: NewOrganisation): Promise<boolean>
  /** The organisation with its verified domains (sorted), or null. */
  getOrganisation(org: OrgId): Promise<OrganisationRecord | null>
  /** Every organisation, by id. */
  listOrganisations(): Promise<OrganisationRecord[]>
  /** Sets who may register through the organisation's sign-up; false if there is no such organisation. */
  setSignup(org: OrgId, signup: SignupMode): Promise<boolean>
  /**
   * Records a domain as verified by the organisation. 'taken': another organisation verified it
   * (a domain belongs to one organisation); 'unchanged': this one already had it; 'no_org'.
   */
  addDomain(org: OrgId, domain: string, at: number): Promise<'added' | 'unchanged' | 'taken' | 'no_org'>
  /** The organisation that verified the domain, or null. */
  organisationOfDomain(domain: string): Promise<OrgId | null>
  /** How many users have an id `…@domain` and are not in `org`. */
  countDomainUsersElsewhere(domain: string, org: OrgId): Promise<number>
  /** The user's membership, or null when there is no such user. */
  membershipOf(userId: UserId): Promise<Membership | null>
  /** The organisation's people (members and guests) with user id > `after`, by user id, at most `limit`. */
  listMembers(org: OrgId, after: UserId | null, limit: number): Promise<Membership[]>
  /** The organisation's members (not guests) whose user id starts with `prefix`, by user id, at most `limit`. */
  membersByPrefix(org: OrgId, prefix: string, limit: number): Promise<Membership[]>

  // ---- single sign-on (docs/organisations.md "Single sign-on") ----
  /** Sets (replaces) the organisation's identity-provider settings; false if there is no such organisation. */
  setSsoConfig(org: OrgId, config: SsoConfigRecord): Promise<boolean>
  /** The organisation's identity-provider settings, or null when none are set. */
  getSsoConfig(org: OrgId): Promise<SsoConfigRecord | null>
  /** The user the identity provider's subject is bound to in this organisation, or null. */
  ssoUserOfSubject(org: OrgId, issuer: string, subject: string): Promise<UserId | null>
  /**
   * Records a successful sign-in: binds (org, issuer, subject) to the user on the first one and
   * refreshes email, sid and time (the last logout's time stays: a sign-in after it is valid,
   * session tokens issued before it are not). 'subject_taken': the subject is
   * bound to another user; 'user_bound': the user is bound to another subject or issuer.
   */
  recordSsoSignIn(s: SsoSignIn): Promise<'recorded' | 'subject_taken' | 'user_bound'>
  /**
   * The user's sign-in state when their organisation requires SSO (else null): the
   * re-authentication interval and the identity bound to them, if any.
   */
  ssoSessionOf(userId: UserId): Promise<SsoSessionState | null>
  /** The identity at the provider bound to the user (whether or not SSO is required now), or null. */
  ssoIdentityOf(userId: UserId): Promise<SsoIdentity | null>
  /**
   * Ends the SSO sessions of the organisation's identities matching the subject (or, without
   * one, the provider's session id `sid`); returns the users whose session ended.
   */
  endSsoSessions(org: OrgId, issuer: string, match: { subject?: string; sid?: string }, at: number): Promise<UserId[]>

  // ---- erasure (data ownership) ----
  /**
   * Deletes everything stored about a user in one transaction: the user and device records,
   * every queue entry and key package of its devices, its group memberships and admin record;
   * messages its devices sent that still wait in others' queues keep flowing under an erased
   * sender id (`ERASED_DEVICE_ID` of @candor/protocol); its access-log rows keep only their
   * leaf hashes (the log stays append-only; the subject, envelope and tally position go).
   * Pending enrolment requests for the user go too. In the same transaction the user id is
   * reserved for good (createUser refuses it; only a digest of it is kept, erasedUserIdDigest of
   * @candor/protocol) and a directory update marked `erased` is recorded (directoryBacklog): the
   * directory then publishes an empty entry and tombstones the user's entries. The resets its
   * devices made keep the erased sender id.
   */
  eraseUser(userId: UserId): Promise<ErasureCounts>
  /**
   * Pushes deletions out of older page images the engine may keep (SQLite: checkpoints and
   * truncates the WAL; deleted cells are already zeroed). PostgreSQL: nothing; dead row
   * versions go when the tables are vacuumed.
   */
  purgeDeleted(): Promise<void>

  // ---- consent ledger (data ownership) ----
  /** Appends a signed consent record (opaque to the store) to the user's ledger; returns its seq. */
  appendConsent(userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number>
  /** The user's ledger, oldest first. Erasing the user deletes it. */
  listConsents(userId: UserId): Promise<StoredConsent[]>

  // ---- retention (data ownership) ----
  /** Sets (or with null clears) how long the group's ciphertext may be kept after it was sent. */
  setRetention(groupId: GroupId, retentionMs: number | null): Promise<void>
  getRetention(groupId: GroupId): Promise<number | null>
  /**
   * Deletes every application message (and its queue entries) of a group with a timer that ran
   * out by `now`. Handshake messages (commits, welcomes) are kept until delivered.
   */
  expireMessages(now: number): Promise<number>

  // ---- attachment blobs (docs/protocol.md §2.4): which group a blob belongs to ----
  /**
   * Records the group a blob was uploaded to and who uploaded it (for the members-only check,
   * the uploader's quota and export). False, changing nothing, when the blob is bound already.
   */
  bindBlob(b: BlobBinding): Promise<boolean>
  /** The blob's binding, or null. */
  blobGroup(blobId: BlobId): Promise<BlobBinding | null>
  /** Removes the binding (the blob is being deleted); false if there was none. */
  unbindBlob(blobId: BlobId): Promise<boolean>
  /** Total declared size of the blobs the user uploaded that are still bound: their quota use. */
  blobBytesOf(uploader: UserId): Promise<number>
  /** The user's bound uploads, oldest first, at most `limit` (account export). */
  blobsOf(uploader: UserId, limit: number): Promise<BlobBinding[]>
  /** Blobs bound to groups that have no members left, at most `limit`: the sweep deletes them. */
  blobsWithoutMembers(limit: number): Promise<BlobId[]>

  // ---- attachment lifecycle (docs/protocol.md §2.4 "Lifecycle") ----
  /**
   * At completion: fixes the blob's recipient devices and its expiry. Only once: false,
   * changing nothing, when they are fixed already or the blob is not bound.
   */
  sealBlob(blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): Promise<boolean>
  /** The blob's expiry and its recipients (each with when it fetched, or null); null when not bound or not sealed. */
  blobDelivery(blobId: BlobId): Promise<BlobDelivery | null>
  /**
   * Records a recipient's fetch (the first time counts; later ones keep it). False, changing
   * nothing, when the device is not one of the blob's recipients.
   */
  markBlobFetched(blobId: BlobId, deviceId: DeviceId, at: number): Promise<boolean>
  /**
   * Sealed blobs that had recipients and none left to wait for: every recipient still a member
   * of the group has fetched it. With `only`, just that blob if it qualifies. At most `limit`.
   */
  blobsFetchedByAll(limit: number, only?: BlobId): Promise<BlobId[]>
  /** Sealed blobs whose expiry is ≤ `now`, soonest first, at most `limit`. */
  blobsExpired(now: number, limit: number): Promise<BlobId[]>
}

/** A completed blob's recipients and expiry (blobDelivery). */
export interface BlobDelivery {
  expiresAt: number
  /** How many recipients were fixed at completion (erased accounts' entries leave `recipients`). */
  count: number
  recipients: Array<{ deviceId: DeviceId; fetchedAt: number | null }>
}

/**
 * A blob's place: the group it was uploaded to (only that group's member devices may read it)
 * and the user who uploaded it — null once that account was erased (eraseUser).
 */
export interface BlobBinding {
  blobId: BlobId
  groupId: GroupId
  uploader: UserId | null
  /** The blob's declared size in bytes (what counts against the uploader's quota). */
  size: number
  boundAt: number
}

/** A user whose directory entry must be published again (and, when `erased`, tombstoned). */
export interface DirectoryBacklogEntry {
  seq: number
  userId: UserId
  erased: boolean
}

export interface StoredConsent {
  seq: number
  record: string
  signature: Uint8Array
  at: number
}

export interface ErasureCounts {
  devices: number
  queued: number
  keyPackages: number
  memberships: number
  sentMessages: number
  accessReceipts: number
}

/** Where a new user belongs: an organisation, as a member or as a guest it hosts. */
export interface NewMembership {
  org: OrgId
  /** A guest is hosted by `org` but not one of its members (their directory entry says `org: null`). */
  guest: boolean
}

export interface Membership extends NewMembership {
  userId: UserId
}

export interface NewOrganisation {
  id: OrgId
  name: string
  signup: SignupMode
  createdAt: number
}

/**
 * An organisation's identity provider (OpenID Connect). The client secret is never stored as
 * text: `clientSecretBox` is AES-256-GCM under a key derived from the server's key file
 * (docs/organisations.md), so a copy of the database does not reveal it.
 */
export interface SsoConfigRecord {
  issuer: string
  clientId: string
  /** nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
  clientSecretBox: Uint8Array
  /** Email domains whose verified addresses may sign in (lower case). */
  allowedDomains: string[]
  /** The ID-token claim that lists the person's groups, or null. */
  groupsClaim: string | null
  /** Registering, enrolling and signing in need a sign-in at the identity provider. */
  requireSso: boolean
  /** A sign-in at the identity provider holds this long (ms); then the person signs in again. */
  reauthMs: number
  updatedAt: number
}

export interface SsoSignIn {
  org: OrgId
  issuer: string
  subject: string
  userId: UserId
  email: string
  /** The provider's session id (`sid` claim), when it sends one. */
  sid: string | null
  at: number
}

export interface SsoIdentity {
  issuer: string
  subject: string
  email: string
  sid: string | null
  authenticatedAt: number
  /** When a back-channel logout last ended the person's session (null if never); a sign-in after it holds again. */
  endedAt: number | null
}

/** A device as a session check sees it (Store.deviceAccess). */
export interface DeviceAccess {
  userId: UserId
  status: DeviceStatus
  /** The user's organisation has identity-provider settings (set with setSsoConfig). */
  orgHasSso: boolean
}

export interface SsoSessionState {
  org: OrgId
  reauthMs: number
  identity: SsoIdentity | null
}

export interface OrganisationRecord extends NewOrganisation {
  /** Domains the operator verified for it, sorted. */
  domains: string[]
}

/**
 * A person with administrator rights (they sign in with their own device key like anyone):
 * `operator` runs the server; any other role holds in `org`, the person's own organisation.
 */
export interface AdminRecord {
  userId: UserId
  role: AdminRole
  /** The organisation the role holds in; for an operator, the name its receipts show. */
  org: string
  /** Null for the operator's first admin, enrolled with the one-time token. */
  grantedBy: UserId | null
  grantedAt: number
}

export interface NewAccessLeaf {
  /** Null for leaves no one fetches from the server (a deletion receipt, an erased account). */
  subject: UserId | null
  leafHash: Uint8Array
  /** The sealed receipt the leaf hash commits to; null when the server keeps no copy. */
  envelope: Uint8Array | null
  loggedAt: number
  /** When the subject may read it (a delayed notice); loggedAt otherwise. */
  visibleAt: number
}

export interface AccessLeaf extends NewAccessLeaf {
  index: number
  subject: UserId
  envelope: Uint8Array
  /**
   * Its place in the subject's tally, which their key-directory entry commits to (1, 2, …);
   * null until it is tallied.
   */
  position: number | null
}

/** What a subject's key-directory entry commits to: how many receipts were tallied, and the last one. */
export interface ReceiptTally {
  count: number
  /** The leaf hash at position `count`; null when count is 0. */
  last: Uint8Array | null
}
