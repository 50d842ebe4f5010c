// CandorClient: one device of one person. Everything a UI or the CLI does goes through here.
// It owns the device's identity, its MLS states and its delivery socket; what it does with
// them lives beside it: the parts and their wiring in client-parts.ts, how a client comes to be
// (register, enrol, open, recover) in client-accounts.ts, the delivery socket, queue and notices
// in delivery-session.ts; own-devices.ts, messaging.ts, group-changes.ts, incoming.ts, the
// split-view checks (split-view-monitor.ts), and under data/ the data-ownership features
// (ownership.ts, archives.ts) and disappearing-timer.ts.
import { CandorError, toBase64Url, type ConsentPurpose, type ConsentRecord, type DeviceId, type DeviceInfo, type PutPushSubscriptionRequest, type EnrolmentInfo, type SsoDeviceStartResponse, type SsoSignInResponse, type DataRight, type DataRightStatus, type DataRightWithdrawn, type DataRightsResponse, type GroupDirectoryLink, type DirectoryLink } from '@candor/protocol'
import { PQ_SUITE, epochOf, getSuites, groupSuiteName, leaves, safetyNumber, suiteId, suiteLabel } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents, ClientOptions, ConversationEncryption, Reader } from './client-types.ts'
import type { ConnectionState } from './connection.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import type { DeliveryFailures, DeliveryFailure } from './delivery-failures.ts'
import type { DeviceDirectory, UnknownDevice } from './directory.ts'
import { Emitter } from './emitter.ts'
import { saveIdentity, type Identity } from './identity.ts'
import type { KeyPackages } from './key-packages.ts'
import type { SerialLock } from './serial-lock.ts'
import { storeFailuresAsUnavailable } from './local-store-failures.ts'
import type { Undecryptables, UnreportedFailure } from './undecryptable.ts'
import type { Messaging } from './messaging.ts'
import { checkAttachmentType } from './data/policy-checks.ts'
import type { Recovery } from './recovery.ts'
import type { Rejoin } from './rejoin.ts'
import type { NewDeviceJoins, JoinedConversations } from './rejoin-as-new-device.ts'
import type { OwnDevices } from './own-devices.ts'
import type { PendingCommits } from './pending-commits.ts'
import { DataApi } from './data/data-api.ts'
import type { ContactRequests } from './contact-requests.ts'
import type { VerifiedReceipt } from './data/receipts.ts'
import type { AdminClient } from './data/admin-client.ts'
import type { ComplianceClient } from './data/compliance-client.ts'
import type { VerifiedPolicy } from './data/org-policy-verify.ts'
import type { VerifiedOrganisation } from './data/org-name-verify.ts'
import type { DeletionReceipt } from './data/erasure.ts'
import type { ExportProgress } from './data/export-bundle.ts'
import type { BagFile } from './data/bag.ts'
import type { LedgerEntry } from './data/consents.ts'
import type { DataOwnership, CheckedReceipts } from './data/ownership.ts'
import type { ComplianceArchives } from './data/archives.ts'
import type { ArchiveApi } from './archive-api.ts'
import type { DisappearingTimer } from './data/disappearing-timer.ts'
import type { SplitViewMonitor, SplitViewAlert } from './split-view-monitor.ts'
import type { Attachments, FileToSend, Progress } from './attachments.ts'
import type { HistoryArchives, ImportedHistory, OnHistoryProgress } from './history-archives.ts'
import { HeldHistory } from './held-history.ts'
import type { AccountRecovery } from './account-recovery.ts'
import { searchHistory } from './search/device-search.ts'
import type { Profiles, Person } from './profiles.ts'
import type { Avatars, OwnAvatar } from './avatars.ts'
import { Invites } from './invites.ts'
import { GroupInvites } from './group-invites.ts'
import { DirectoryMembers } from './directory-members.ts'
import type { MessageFeatures } from './message-features.ts'
import type { Typing } from './typing.ts'
import type { ConversationFeatures } from './conversation-features.ts'
import type { AttachmentRef, Thumbnail } from '@candor/protocol'
import type { MlsSuites } from '@candor/crypto'
import { wireClientParts } from './client-parts.ts'
import { DeliverySession } from './delivery-session.ts'
import { enrolDevice, recoverAccount, registerDevice, ssoDeviceSignIn, storedDevice } from './client-accounts.ts'

function attachmentOf(message: MessageRecord, index: number): AttachmentRef {
  const ref = message.attachments?.[index]
  if (!ref) throw new CandorError('not_found', `message ${message.id} has no attachment ${index}`)
  return ref
}

export type { ClientEvents, ClientOptions, ConversationEncryption, Reader, SecurityAlert } from './client-types.ts'

export class CandorClient extends Emitter<ClientEvents> {
  readonly api: ApiClient
  readonly #opts: ClientOptions
  readonly #identity: Identity
  readonly #directory: DeviceDirectory
  readonly #keyPackages: KeyPackages
  readonly #conversations: Conversations
  readonly #lock: SerialLock
  readonly #devices: OwnDevices
  readonly #messaging: Messaging
  readonly #data: DataOwnership
  /** Contact requests, contacts and blocks (contact-requests.ts). */
  readonly requests: ContactRequests
  readonly #archives: ComplianceArchives
  /** The compliance archive: status, consent, adding it where the policy requires it (archive-api.ts). */
  readonly archive: ArchiveApi
  readonly #timer: DisappearingTimer
  readonly #splitViews: SplitViewMonitor
  readonly #failures: DeliveryFailures
  readonly #undecryptable: Undecryptables
  readonly #pending: PendingCommits
  readonly #recovery: Recovery
  readonly #rejoin: Rejoin
  readonly #newDeviceJoins: NewDeviceJoins
  readonly #attachments: Attachments
  readonly #profiles: Profiles
  readonly #avatars: Avatars
  readonly #features: MessageFeatures
  readonly #typing: Typing
  /** Replies, edits, deletes, reactions, receipts, typing, names, pins and mutes (conversation-features.ts). */
  readonly features: ConversationFeatures
  /** The delivery socket and queue, connecting, syncing and notices (delivery-session.ts). */
  readonly #session: DeliverySession
  readonly #history: HistoryArchives
  readonly #accountRecovery: AccountRecovery
  /** History asked for devices held for an admin's approval, sent once approved (held-history.ts). */
  readonly #heldHistory: HeldHistory
  /** Held devices whose history is being sent now (the notice and a sync may both ask). */
  readonly #sendingHeld = new Set<string>()

  private constructor(given: ClientOptions, api: ApiClient, identity: Identity, suites: MlsSuites) {
    super()
    // Every part of the client sees a failure of the device's storage as transient (local-store-failures.ts).
    const opts = { ...given, store: storeFailuresAsUnavailable(given.store) }
    this.#opts = opts
    this.api = api
    this.#identity = identity
    // The parts and their wiring: client-parts.ts; the delivery socket and queue: delivery-session.ts.
    let session: DeliverySession | undefined
    const p = wireClientParts({ client: this, connection: () => session?.connection(), idle: async () => session?.idle() }, opts, api, identity, suites)
    this.#directory = p.directory
    this.#keyPackages = p.keyPackages
    this.#conversations = p.conversations
    this.#lock = p.lock
    this.#devices = p.devices
    this.#messaging = p.messaging
    this.#data = p.data
    this.requests = p.requests
    this.#archives = p.archives
    this.archive = p.archive
    this.#timer = p.timer
    this.#splitViews = p.splitViews
    this.#failures = p.failures
    this.#undecryptable = p.undecryptable
    this.#pending = p.pending
    this.#recovery = p.recovery
    this.#rejoin = p.rejoin
    this.#newDeviceJoins = p.newDeviceJoins
    this.#attachments = p.attachments
    this.#profiles = p.profiles
    this.#avatars = p.avatars
    this.#features = p.features
    this.#typing = p.typing
    this.features = p.conversationFeatures
    this.#history = p.history
    this.#accountRecovery = p.accountRecovery
    this.#heldHistory = new HeldHistory(opts.store)
    this.#session = session = new DeliverySession({ client: this, opts, api, identity, suites, parts: p })
  }

  static async #make(opts: ClientOptions, api: ApiClient, identity: Identity): Promise<CandorClient> {
    const c = new CandorClient(opts, api, identity, await getSuites(opts.crypto))
    await c.#conversations.load()
    await c.#pending.load()
    await c.#profiles.load()
    await c.#avatars.load()
    await c.#features.load()
    c.#archives.watch()
    c.archive.watch()
    c.#timer.startSweep()
    return c
  }

  /** Registers a new user with this as its first device. */
  /** Registers a new user and this, its first device; `org`: the organisation whose sign-up to use (else the server's `default`). */
  /** `ssoTicket`: a sign-in at the organisation's identity provider (ssoDeviceSignIn), required when it requires SSO. */
  static async register(opts: ClientOptions, userId: string, deviceName = 'first device', org?: string, ssoTicket?: string): Promise<CandorClient> {
    const { api, identity } = await registerDevice(opts, userId, deviceName, org, ssoTicket)
    const c = await CandorClient.#make(opts, api, identity)
    await c.#keyPackages.publishInitial()
    return c
  }

  /** Asks to add this as a further device of an existing user; approve it from another device. */
  static async enrol(opts: ClientOptions, userId: string, deviceName = 'new device', ssoTicket?: string): Promise<CandorClient> {
    const { api, identity } = await enrolDevice(opts, userId, deviceName, ssoTicket)
    return CandorClient.#make(opts, api, identity)
  }

  /**
   * Signs in at the organisation's identity provider by the device flow (RFC 8628): `show` gets
   * the URL and the code to give the person; resolves once they confirmed it there (or throws
   * when they refused or it expired). The ticket it yields registers, enrols or renews a session.
   */
  static async ssoDeviceSignIn(opts: ClientOptions, org: string, show: (prompt: SsoDeviceStartResponse) => void): Promise<SsoSignInResponse> {
    return ssoDeviceSignIn(opts, org, show)
  }

  /** Renews this device's session with a fresh sign-in ticket of its organisation's identity provider. */
  async renewSso(ssoTicket: string): Promise<void> {
    await this.api.signInWithTicket(ssoTicket)
  }

  /** Opens the device kept in the store, or null if there is none. */
  static async open(opts: ClientOptions): Promise<CandorClient | null> {
    const stored = await storedDevice(opts)
    return stored ? CandorClient.#make(opts, stored.api, stored.identity) : null
  }

  get userId(): string {
    return this.#identity.userId
  }
  get deviceId(): DeviceId {
    return this.#identity.deviceId
  }
  get status(): 'active' | 'pending' {
    return this.#identity.status
  }
  get connectionState(): ConnectionState {
    return this.#session.state
  }

  /** For a pending device: polls until another device approves it, then publishes key packages. */
  async waitForApproval(timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs
    while (this.#identity.status === 'pending') {
      try {
        await this.api.token()
        this.#identity.status = 'active'
        await saveIdentity(this.#opts.store, this.#identity)
        await this.#keyPackages.publishInitial()
        return
      } catch (e) {
        if (!(e instanceof CandorError) || e.code !== 'forbidden' || Date.now() > until) throw e
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  /** Connects the delivery socket; resolves once everything queued for this device is processed. */
  async connect(): Promise<void> {
    return this.#session.connect()
  }

  /** Resolves when the server has pushed everything queued so far and it has been processed. */
  async sync(timeoutMs = 15_000): Promise<void> {
    return this.#session.sync(timeoutMs)
  }

  /**
   * Monitors this user's own directory entry; every device key that none of the user's devices
   * enrolled raises an 'alert' (once per key) and is returned.
   */
  async checkOwnDevices(): Promise<UnknownDevice[]> {
    return this.#devices.checkUnknown()
  }

  /** Verified device keys of a user, from the key directory. */
  async verifiedDevices(userId: string): Promise<Array<{ deviceId: string; publicKey: Uint8Array }>> {
    return this.#directory.devices(userId, true)
  }

  /**
   * The safety number between this user and another, from both users' directory-proven device
   * keys, and the other user's organisation as the same directory proof binds it (null: a guest,
   * or an entry of no organisation). Compare the number out of band (read aloud, or scan the QR
   * payload); it changes when either user's devices change.
   */
  async safetyNumber(userId: string): Promise<{ number: string; qr: string; organisation: string | null }> {
    const [mine, theirs] = await Promise.all([this.#directory.entry(this.userId, true), this.#directory.entry(userId, true)])
    const number = safetyNumber({ userId: this.userId, keys: mine.devices.map((d) => d.publicKey) }, { userId, keys: theirs.devices.map((d) => d.publicKey) })
    const qr = `candor-safety:1:${[this.userId, userId].sort().join(':')}:${number.replace(/\s+/g, '')}`
    return { number, qr, organisation: theirs.org }
  }

  /**
   * The corporate identity the key directory binds to a user where their organisation uses
   * single sign-on — the provider's issuer, the subject and the verified email of the sign-in —
   * proven by the same lookup as their keys; null where none is bound. Show it beside the safety number.
   */
  async verifiedIdentityOf(userId: string): Promise<{ issuer: string; subject: string; email: string } | null> {
    return (await this.#directory.entry(userId, true)).idp
  }

  /** A user's organisation as the key directory proves it (null: a guest, or no organisation). */
  async organisationOf(userId: string): Promise<string | null> {
    return (await this.#directory.entry(userId, true)).org
  }

  /**
   * Every split-view alert this device raised (§2.3): a sender's device saw a key directory or
   * access log that the server could not prove is the one this device sees. Kept on the
   * device; the SDK never clears them.
   */
  async splitViewAlerts(): Promise<SplitViewAlert[]> {
    return this.#splitViews.alerts()
  }

  /**
   * Resolves once the split-view checks of the messages received so far have run (those
   * waiting to retry after a network error go on in the background). For short-lived
   * programs that should not exit before the checks are made.
   */
  async splitViewChecks(): Promise<void> {
    return this.#splitViews.settled()
  }

  close(): void {
    this.#features.close()
    this.#typing.close()
    this.#splitViews.close()
    this.#timer.stopSweep()
    this.#session.close()
  }

  /** Reconnects at once instead of waiting out the backoff (e.g. when the network comes back). */
  reconnectNow(): void {
    this.#session.reconnectNow()
  }

  /** Simulates a network drop (the connection comes back by itself). */
  dropConnection(): void {
    this.#session.drop()
  }

  // ---- devices (see own-devices.ts) ----

  async devices(): Promise<DeviceInfo[]> {
    return (await this.api.myDevices()).devices
  }

  // ---- Web Push (docs/protocol.md, "Web Push") ----

  /** The server's VAPID public key (base64url): the `applicationServerKey` to subscribe with. */
  async pushServerKey(): Promise<string> {
    return (await this.api.vapidKey()).publicKey
  }
  /** Registers this device's push subscription (PushSubscription.toJSON()), replacing any earlier one. */
  async setPushSubscription(subscription: PutPushSubscriptionRequest): Promise<void> {
    await this.api.putPushSubscription(this.deviceId, subscription)
  }
  /** Stops wake-ups for this device. */
  async deletePushSubscription(): Promise<void> {
    await this.api.deletePushSubscription(this.deviceId)
  }

  /** Devices asking to join this user, each until it is approved, denied, replaced or expires. */
  async pendingEnrolments(): Promise<EnrolmentInfo[]> {
    return this.#devices.pending()
  }

  /**
   * Approves a pending device of this user and adds it to every conversation. With `history`,
   * then offers it the history this device holds (messages sent from `since` on; null: all):
   * signs the person's consent (purpose `history_transfer`), seals an archive to the new device's
   * key as the directory proves it and uploads it, reporting progress (docs/protocol.md §4.2).
   */
  async approve(deviceId: string, opts: { history?: { since: number | null }; onProgress?: OnHistoryProgress } = {}): Promise<{ transferred: number; held?: true } | void> {
    // Held by the organisation's policy (devices.adminApproval): nothing can be sealed to it yet (it
    // is in no directory entry); the wish is kept and the history sent once an admin approves it.
    if ((await this.#devices.approve(deviceId)) === 'held') {
      if (opts.history) await this.#heldHistory.remember(deviceId, opts.history.since)
      return { transferred: 0, held: true }
    }
    if (!opts.history) return
    return { transferred: await this.#sendHistory(deviceId, opts.history.since, opts.onProgress) }
  }

  /** Signs the person's consent, seals this device's history to the new device's key as the directory proves it, uploads it (§4.2). */
  async #sendHistory(deviceId: string, since: number | null, onProgress?: OnHistoryProgress): Promise<number> {
    await this.consent('history_transfer', `${deviceId} since ${since === null ? 'the start' : new Date(since).toISOString()}`, 'given')
    this.#directory.forget(this.userId)
    const key = await this.#directory.keyOf(this.userId, deviceId)
    if (!key) throw new CandorError('directory_proof_invalid', 'the key directory does not prove the new device; no history was sent')
    const sent = await this.#history.send(deviceId, key, since, onProgress)
    return sent.messages
  }

  /**
   * The history asked for a device this device approved while the organisation held it (§4.2
   * "History for a held device"): once an admin approved it (the device is active), sends it, once;
   * a device declined meanwhile (revoked) gets nothing and the wish is dropped. Null when nothing
   * was asked for it, or it is still held, or another call is sending it.
   */
  async sendHeldHistory(deviceId: string, onProgress?: OnHistoryProgress): Promise<{ transferred: number } | null> {
    const wish = await this.#heldHistory.wish(deviceId)
    if (!wish || this.#sendingHeld.has(deviceId)) return null
    this.#sendingHeld.add(deviceId)
    try {
      const status = (await this.#devices.status(deviceId)) ?? 'revoked'
      if (status === 'revoked') {
        await this.#heldHistory.forget(deviceId)
        return null
      }
      if (status !== 'active') return null
      const transferred = await this.#sendHistory(deviceId, wish.since, onProgress)
      await this.#heldHistory.forget(deviceId)
      this.emit('held_history_sent', { deviceId, transferred })
      return { transferred }
    } finally {
      this.#sendingHeld.delete(deviceId)
    }
  }

  /** At each sync: the history of held devices an admin approved (or declined) while this device was away. */
  async sendHeldHistories(): Promise<void> {
    for (const w of await this.#heldHistory.all()) {
      try {
        await this.sendHeldHistory(w.deviceId)
      } catch (error) {
        this.emit('error', { where: 'sending history to a device an admin approved', error })
      }
    }
  }

  // ---- recovery and history (see account-recovery.ts, history-archives.ts) ----

  /** Makes a recovery secret and publishes its key in the person's directory entry; returns the secret, to show once. */
  async setUpRecovery(): Promise<{ secret: string; publicKey: string; replaced: boolean }> {
    return this.#accountRecovery.setUp()
  }

  /** The person's recovery key as the directory proves it (base64url), null if none is set. */
  async recoveryKey(): Promise<string | null> {
    const key = await this.#accountRecovery.current()
    return key ? toBase64Url(key) : null
  }

  /** Seals this device's history to the recovery key and uploads it: the backup (the server holds ciphertext only). */
  async backUpHistory(onProgress?: OnHistoryProgress): Promise<{ archiveId: string; size: number; messages: number }> {
    return this.#accountRecovery.backUp(onProgress)
  }

  /** Restores the backup with the recovery secret: its records join this device's history, marked transferred. */
  async restoreBackup(secret: string, onProgress?: OnHistoryProgress): Promise<ImportedHistory> {
    return this.#accountRecovery.restore(secret, onProgress)
  }

  /** Imports the history another device of the person sent this one when approving it. */
  async receiveHistory(onProgress?: OnHistoryProgress): Promise<ImportedHistory> {
    return this.#accountRecovery.receive(onProgress)
  }

  /** Conversations with history that came in an archive (some may have no group on this device). */
  async transferredConversations(): Promise<Array<{ id: string; members: string[] }>> {
    const ids = await this.#conversations.importedConversations()
    return Promise.all(ids.map(async (id) => ({ id, members: await this.#conversations.importedMembers(id) })))
  }

  /**
   * Gets back into an account whose devices are gone, from a fresh home with nothing but the
   * recovery secret: files an enrolment for a new device, approves it with the recovery key
   * (approver `recovery`, so the person's own history check accepts it and their contacts see a
   * new key as for any device), restores the backup, and — with `revokeOthers` — revokes every
   * other device; then joins the person's conversations in the place of a revoked device
   * (rejoinConversations). A wrong secret changes nothing on the server and leaves this home empty.
   */
  static async recover(
    opts: ClientOptions,
    userId: string,
    secret: string,
    deviceName = 'recovered device',
    options: { revokeOthers?: boolean; onProgress?: OnHistoryProgress } = {},
  ): Promise<{ client: CandorClient; restored: ImportedHistory; revoked: string[]; joined: JoinedConversations }> {
    return recoverAccount({ enrol: (o, u, n) => CandorClient.enrol(o, u, n), publicKeyOf: (c) => c.#identity.publicKey }, opts, userId, secret, deviceName, options)
  }

  /**
   * Joins every conversation of the person this device is not in, each by an external commit that
   * takes the place of an old device of theirs that is no longer active (docs/protocol.md §5.2):
   * after a recovery, once the old devices are revoked. Failures are listed, not thrown.
   */
  async rejoinConversations(): Promise<JoinedConversations> {
    return this.#newDeviceJoins.joinAll()
  }

  /** Denies a pending enrolment of this user (signed by this device): the request is gone. */
  async deny(deviceId: string): Promise<void> {
    return this.#devices.deny(deviceId)
  }

  /** Revokes one of this user's devices and removes it from every conversation by a commit. */
  async revoke(deviceId: string): Promise<void> {
    return this.#devices.revoke(deviceId)
  }

  // ---- conversations (see messaging.ts) ----

  /**
   * `timer`: the disappearing timer in ms as this device knows it, null when off. A conversation
   * keeps its id when it is reset onto a new MLS group (§5.4); it is listed once, with the group it uses now.
   * Conversations the person hid (hideConversation) are left out until their next message.
   */
  conversations(): Array<{ id: string; status: string; members: string[]; epoch: number; timer: number | null }> {
    const conversations = this.#conversations
    return conversations.list().filter((c) => conversations.groupOf(conversations.conversationOf(c.meta.id)) === c.meta.id && !conversations.hidden(conversations.conversationOf(c.meta.id))).map((c) => ({
      id: conversations.conversationOf(c.meta.id),
      status: c.meta.status,
      members: [...new Set(leaves(c.state).map((l) => l.userId))].sort(),
      epoch: epochOf(c.state),
      timer: c.meta.timer?.ms ?? null,
    }))
  }

  /** Creates a conversation with these users (all their devices, and this user's other devices). */
  async createConversation(userIds: readonly string[]): Promise<string> {
    const id = await this.#messaging.create(userIds)
    await this.#profiles.announce(id)
    // Where the organisation's policy requires its compliance archive, it is added now (archive-api.ts).
    await this.archive.ensureQuietly(id)
    return id
  }

  /** The oldest active 1:1 conversation with this user, created if there is none. */
  async directConversation(userId: string): Promise<string> {
    const before = new Set(this.#conversations.list().map((c) => c.meta.id))
    const id = await this.#messaging.direct(userId)
    if (!before.has(id)) await this.#profiles.announce(id)
    return id
  }

  /** Adds users by a commit, then tells every member "X added Y". */
  async addMembers(conversation: string, userIds: readonly string[]): Promise<void> {
    await this.#messaging.add(this.#group(conversation), userIds)
    await this.#profiles.announce(this.#group(conversation))
    await this.#features.membersChanged(this.#group(conversation), userIds, [])
  }

  // ---- people (see profiles.ts) ----

  /**
   * Sets this person's display name (1–64 characters) and sends it, end-to-end encrypted, to
   * each of their conversations; others show it next to the verified user id, never instead.
   */
  async setDisplayName(name: string): Promise<string> {
    return this.#profiles.set(name)
  }

  /** Invite links (docs/protocol.md §5.8): make one (the secret only in the returned link), list and revoke one's own. */
  get invites(): Invites {
    return (this.#invites ??= new Invites(new DataApi(this.api), this.api.baseUrl))
  }
  #invites: Invites | undefined

  /** Group invite links (docs/protocol.md §5.8): this device adds whoever uses one it made. */
  get groupInvites(): GroupInvites {
    const conversations = this.#conversations
    const active = (c: string) => conversations.get(conversations.groupOf(c))
    return (this.#groupInvites ??= new GroupInvites({
      store: this.#opts.store,
      invites: this.invites,
      userId: this.userId,
      isMember: (c) => active(c)?.meta.status === 'active',
      members: (c) => {
        const g = active(c)
        return g ? leaves(g.state).map((l) => l.userId) : []
      },
      addMembers: (c, users) => this.addMembers(c, users),
      directConversation: (u) => this.directConversation(u),
      send: (c, content) => this.#messaging.sendContent(this.#group(c), content),
      error: (where, error) => this.emit('error', { where, error }),
    }))
  }
  #groupInvites: GroupInvites | undefined

  /** Directory-linked conversations (docs/protocol.md §5.9): which SCIM group a conversation follows, and this device's part in following it. */
  get directoryMembers(): DirectoryMembers {
    const conversations = this.#conversations
    return (this.#directoryMembers ??= new DirectoryMembers({
      me: { userId: this.userId },
      conversations,
      directory: this.#directory,
      linkOf: (g) => this.api.directoryLinkOf(g),
      add: (g, users) => this.addMembers(conversations.conversationOf(g), users),
      remove: (g, users) => this.removeMembers(conversations.conversationOf(g), users),
      emit: (event, e) => this.emit(event, e),
    }))
  }
  #directoryMembers: DirectoryMembers | undefined

  /** Links a conversation this person is in (as an admin holding conversations.link) to a SCIM group of the organisation: its membership follows the group. */
  linkToDirectory(org: string, conversation: string, scimGroupId: string): Promise<DirectoryLink> {
    return this.admin.linkConversation(org, this.#group(conversation), scimGroupId)
  }

  unlinkFromDirectory(org: string, conversation: string): Promise<void> {
    return this.admin.unlinkConversation(org, this.#group(conversation))
  }

  /** The SCIM group this conversation's membership follows, as the server tells its members; null when none. */
  directoryLink(conversation: string): Promise<GroupDirectoryLink | null> {
    return this.directoryMembers.linkOf(this.#group(conversation))
  }

  /** Redeems someone's invite link: they and this person become contacts; the conversation with them, started (or the existing one). */
  async joinByInvite(link: string): Promise<string> {
    return this.directConversation(await this.invites.redeem(link))
  }

  /**
   * Sets (null: removes) this person's picture and sends it, end-to-end encrypted, to each of
   * their conversations (docs/protocol.md §2 Avatars): `thumbnail` is what others show.
   */
  async setAvatar(avatar: OwnAvatar | null): Promise<void> {
    await this.#avatars.set(avatar)
    await this.#profiles.announceAll()
  }

  /** A user's picture (the thumbnail they sent) as this device knows it; null when none. */
  avatarOf(userId: string): Thumbnail | null {
    return this.#avatars.of(userId)
  }

  /** A user's display name as this device learnt it from their profile messages (this person's own for themselves); null when none. */
  displayNameOf(userId: string): string | null {
    return this.#profiles.nameOf(userId)
  }

  /**
   * People to talk to: members of this person's organisation whose user id starts with the
   * query (the server's list), then people of this device's conversations whose user id or
   * display name matches.
   */
  async findPeople(query: string): Promise<Person[]> {
    return this.#profiles.find(query)
  }

  /** Removes users by a commit, then tells every member "X removed Y". */
  async removeMembers(conversation: string, userIds: readonly string[]): Promise<void> {
    await this.#messaging.remove(this.#group(conversation), userIds)
    await this.#features.membersChanged(this.#group(conversation), [], userIds)
  }

  /** The MLS group a conversation uses now (it changes when the conversation is reset). */
  #group(conversation: string): string {
    return this.#conversations.groupOf(conversation)
  }

  /**
   * Resets the conversation (docs/protocol.md §5.4): a new MLS group with every member device but
   * those of `leaveOut` (user ids), announced in every member's timeline (and to those left
   * out) as a line naming who reset it and whom it left out. Returns the new group's id.
   */
  async reset(conversation: string, leaveOut: readonly string[] = [], reason = 'reset by a member'): Promise<string> {
    const groupId = this.#group(conversation)
    const c = this.#conversations.get(groupId)
    const out = new Set(leaveOut)
    const devices = c ? leaves(c.state).filter((l) => out.has(l.userId) && l.userId !== this.userId).map((l) => l.deviceId) : []
    return this.#recovery.reset(groupId, devices, reason)
  }

  /**
   * Rejoins the conversation's group by an external commit from the server's GroupInfo (docs/protocol.md
   * §5.2), judged against the key directory, when this device fell behind (it does so by itself
   * when it meets a commit or message it cannot process for that reason). True once it is in
   * step with the group (or already was); false when it cannot (the reason is emitted as `error`).
   */
  rejoin(conversation: string): Promise<boolean> {
    return this.#rejoin.rejoin(this.#group(conversation))
  }

  /** Leaves: tells the members (one of them commits the removal) and stops delivery here. */
  async leave(conversation: string): Promise<void> {
    return this.#messaging.leave(this.#group(conversation))
  }

  async send(conversation: string, text: string): Promise<MessageRecord> {
    return this.#messaging.send(this.#group(conversation), text)
  }

  /**
   * Sends a file (docs/protocol.md §2): encrypted here in chunks under a fresh key, uploaded
   * to the conversation's group (resuming after cut connections), then announced in a message
   * carrying its key, SHA-256, size, name and media type, with `text` as its caption.
   */
  async sendFile(conversation: string, file: FileToSend): Promise<MessageRecord> {
    const group = this.#group(conversation)
    // The organisation's attachments.allowedTypes (the server sees only ciphertext).
    checkAttachmentType((await this.policy()).policy, file.type)
    const ref = await this.#attachments.upload(group, file)
    return this.#messaging.send(group, file.text ?? '', [ref])
  }

  /**
   * Downloads and decrypts a message's attachment (`index`: which one, default the first) into
   * memory, checking its SHA-256; throws AttachmentError when the server's blob is not it.
   */
  async downloadAttachment(message: MessageRecord, index = 0, onProgress?: (p: Progress) => void): Promise<Uint8Array> {
    return this.#attachments.downloadBytes(attachmentOf(message, index), onProgress)
  }

  /** As downloadAttachment, handing the plaintext to `sink` chunk by chunk (a file is kept only once this resolved). */
  async downloadAttachmentTo(ref: AttachmentRef, sink: (plain: Uint8Array) => void | Promise<void>, onProgress?: (p: Progress) => void): Promise<void> {
    return this.#attachments.download(ref, sink, onProgress)
  }

  /**
   * Full-text search of this device's history (never the server's): the records holding every
   * word of the query (each as a word prefix, case and accents ignored), newest first, at most
   * `limit` (≤ 500). Through the client's search index when it has one (ClientOptions.searchIndex).
   */
  async search(query: string, limit = 50): Promise<MessageRecord[]> {
    return this.#failures.decorate(await searchHistory(this.#conversations, query, limit), this.deviceId)
  }

  /**
   * Hides a conversation from this person's list on this device (it comes back with its next
   * message); `erase`: also deletes its history here, search index included.
   */
  async hideConversation(conversation: string, opts: { erase?: boolean } = {}): Promise<void> {
    await this.#conversations.hide(conversation, opts.erase === true)
  }

  /** The conversation's records, oldest first; this device's own messages a recipient could not decrypt carry `status: 'failed'` and `failedFor`. */
  async history(conversation: string): Promise<MessageRecord[]> {
    return this.#failures.decorate(await this.#features.states.decorate(await this.#conversations.history(conversation), this.userId), this.deviceId)
  }

  async inbox(): Promise<MessageRecord[]> {
    return this.#failures.decorate(await this.#features.states.decorate(await this.#conversations.inbox(), this.userId), this.deviceId)
  }

  /**
   * Recipients' reports that they could not decrypt this device's messages, in the order they
   * came, after position `since` (each has its position `n`): for readers that keep a cursor.
   */
  async deliveryFailures(since = 0): Promise<DeliveryFailure[]> {
    return this.#failures.since(since)
  }

  /**
   * Messages this device could not process and could not tell their senders about (it was
   * behind in the group, or had just reported one from the same sender), oldest first.
   */
  async unreportedFailures(): Promise<UnreportedFailure[]> {
    return this.#undecryptable.unreported()
  }

  /** Exactly who can decrypt this conversation, from the verified MLS tree and the directory. */
  async whoCanRead(conversation: string): Promise<Reader[]> {
    return this.archive.readers(conversation, await this.#messaging.whoCanRead(this.#group(conversation)))
  }

  /**
   * The MLS cipher suite of the conversation's current group (docs/protocol.md §5.0), as "Who
   * can read this?" shows it: read from this device's own group state.
   */
  encryptionOf(conversation: string): ConversationEncryption {
    const c = this.#conversations.get(this.#group(conversation))
    if (!c) throw new CandorError('unknown_group', 'no such conversation on this device')
    const suite = groupSuiteName(c.state)
    return { suite, suiteId: suiteId(suite), postQuantum: suite === PQ_SUITE, label: suiteLabel(suite) }
  }

  // ---- data ownership (see data/ownership.ts, data/archives.ts) ----

  /**
   * Records the access log's latest checkpoint (verified, consistent with the last one seen).
   * Call it now and then: a receipt revealed later then proves it was logged by that time.
   */
  async observeAccessLog(): Promise<{ size: number }> {
    return this.#data.observeAccessLog()
  }

  /**
   * This person's access receipts readable now, each proven in the signed access log. Receipts
   * their key-directory entry commits to that the server did not hand over raise a
   * `receipt_withheld` alert (see checkedReceipts).
   */
  accessReceipts(): Promise<VerifiedReceipt[]> {
    return this.#data.accessReceipts()
  }

  /** The receipts as accessReceipts() checks them, and what was withheld (null when nothing was). */
  checkedReceipts(): Promise<CheckedReceipts> {
    return this.#data.checkedReceipts()
  }

  /**
   * The policy of this person's organisation ("What applies here?"): which version, since when,
   * and its fields, checked against the pinned access-log key (signature and audit-log proof);
   * `policy_invalid` when a check fails — then it must not be shown or applied.
   */
  policy(): Promise<VerifiedPolicy> {
    return this.#data.policy()
  }

  /**
   * This person's organisation and its name as its creation was logged, checked against the
   * pinned access-log key (`name` null when the log does not begin with it: show the id);
   * `policy_invalid` when a check fails.
   */
  organisation(): Promise<VerifiedOrganisation> {
    return this.#data.organisation()
  }

  /** The admin API, used with this device's own key (the server checks admin rights on every call). */
  get admin(): AdminClient {
    return this.#data.admin()
  }

  /** Compliance: the archive key ceremony, k-of-n unlocks, exports' audit entries, legal holds (docs/compliance.md). */
  get compliance(): ComplianceClient {
    return this.#data.compliance()
  }

  /**
   * Erases this account everywhere: leaves every conversation (the others remove its devices
   * by commits), has the server delete everything it holds and tombstone the key-directory
   * entry, checks the signed and logged deletion receipt, and wipes this device's keys and
   * conversation states, keeping only the receipt (under DELETION_RECEIPT_KEY).
   */
  async deleteAccount(): Promise<DeletionReceipt> {
    return this.#data.deleteAccount()
  }

  /** Whether this person's organisation lets them export or erase at will or after an admin's approval (its policy's dataRights), and where their requests stand. */
  dataRights(): Promise<DataRightsResponse> {
    return this.#data.dataRights()
  }

  /** Asks the organisation's admins to approve an export or an erasure; exportData/deleteAccount then go ahead once approved. */
  requestDataRight(right: DataRight): Promise<DataRightStatus> {
    return this.#data.requestDataRight(right)
  }

  /** Withdraws one's own pending data-rights request (it ends, never approved or used); anyone else's id is `not_found`. */
  withdrawDataRight(id: string): Promise<DataRightWithdrawn> {
    return this.#data.withdrawDataRight(id)
  }

  /** Gives or withdraws a consent: a record signed by this device, added to the person's ledger. */
  consent(purpose: ConsentPurpose, scope: string, state: 'given' | 'withdrawn'): Promise<ConsentRecord> {
    return this.#data.consent(purpose, scope, state)
  }

  /** The person's whole consent ledger, every record's signature checked against their device keys. */
  async consentLedger(): Promise<LedgerEntry[]> {
    return this.#data.consentLedger()
  }

  /**
   * Every conversation this device is in that has a compliance archive as a member, with this
   * person's own consent to it (scope = the conversation id): given, withdrawn, or none.
   */
  async archiveConsents(ledger?: readonly LedgerEntry[]): Promise<Array<{ conversation: string; archives: string[]; consent: 'given' | 'withdrawn' | 'none' }>> {
    return this.#archives.consents(ledger ?? (await this.consentLedger()))
  }

  /** Builds this person's signed export (a BagIt-style file list); see data/export-bundle.ts. */
  async exportData(onProgress?: ExportProgress): Promise<BagFile[]> {
    return this.#data.exportData(onProgress)
  }

  // ---- disappearing messages (see data/disappearing-timer.ts) ----

  /**
   * Sets the conversation's disappearing timer. First on the server, through its retention
   * policy, which may clamp or refuse (then nothing changes and nothing is sent); the server
   * then deletes the conversation's ciphertext, delivered or not, once it is older. Then in
   * band: an end-to-end-encrypted timer message with the value the server applied, from which
   * every member's devices learn it and delete their copies. Returns the timer applied (ms).
   */
  async setDisappearingTimer(conversation: string, seconds: number | null): Promise<number | null> {
    return this.#timer.set(this.#group(conversation), seconds)
  }

  /** The timer the server applies to the conversation (ms; null when off). */
  async disappearingTimer(conversation: string): Promise<number | null> {
    return this.#timer.get(this.#group(conversation))
  }
}
