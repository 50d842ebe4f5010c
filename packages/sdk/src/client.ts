// CandorClient: one device of one person. Everything a UI or the CLI does goes through here.
// It owns the device's identity, its MLS states and its delivery socket; what it does with
// them lives beside it: own-devices.ts, messaging.ts, group-changes.ts, incoming.ts, the
// split-view checks (split-view-monitor.ts), and under data/ the data-ownership features
// (ownership.ts, archives.ts) and disappearing-timer.ts.
import { CandorError, toBase64Url, type ConsentPurpose, type ConsentRecord, type DeliverFrame, type DeviceId, type DeviceInfo, type PutPushSubscriptionRequest, type EnrolmentInfo, type Notice, type SessionEndReason, type SsoDeviceStartResponse, type SsoSignInResponse } from '@candor/protocol'
import {
  DirectoryAuthenticationService,
  clientConfigWith,
  epochOf,
  getSuite,
  leaves,
  safetyNumber,
  type AuthenticationFor,
  type MlsConfig,
  type MlsSuite,
} from '@candor/crypto'
import { ApiClient } from './api-client.ts'
import type { ClientEvents, ClientOptions, Reader } from './client-types.ts'
import { Connection, type ConnectionState } from './connection.ts'
import { Conversations, type MessageRecord } from './conversations.ts'
import { DeliveryFailures, type DeliveryFailure } from './delivery-failures.ts'
import { DeliveryQueue } from './delivery-queue.ts'
import { DeviceDirectory, type UnknownDevice } from './directory.ts'
import { PastDirectory } from './past-directory.ts'
import { commitAuthentication, welcomeAuthentication } from './handshake-authentication.ts'
import { CheckpointTracker } from './checkpoint-tracker.ts'
import { Emitter } from './emitter.ts'
import { forgetIdentity, loadIdentity, registerIdentity, requestEnrolment, saveIdentity, type Identity } from './identity.ts'
import { KeyPackages } from './key-packages.ts'
import { SerialLock } from './serial-lock.ts'
import { GroupChanges } from './group-changes.ts'
import { processDelivery } from './incoming.ts'
import { storeFailuresAsUnavailable } from './local-store-failures.ts'
import { Undecryptables, type UnreportedFailure } from './undecryptable.ts'
import { Messaging } from './messaging.ts'
import { Recovery } from './recovery.ts'
import { Rejoin } from './rejoin.ts'
import { OwnDevices } from './own-devices.ts'
import { PendingCommits } from './pending-commits.ts'
import { DataApi } from './data/data-api.ts'
import { ContactRequests } from './contact-requests.ts'
import type { VerifiedReceipt } from './data/receipts.ts'
import type { AdminClient } from './data/admin-client.ts'
import type { VerifiedPolicy } from './data/org-policy-verify.ts'
import type { DeletionReceipt } from './data/erasure.ts'
import type { ExportProgress } from './data/export-bundle.ts'
import type { BagFile } from './data/bag.ts'
import type { LedgerEntry } from './data/consents.ts'
import { DataOwnership, type CheckedReceipts } from './data/ownership.ts'
import { ComplianceArchives } from './data/archives.ts'
import { DisappearingTimer } from './data/disappearing-timer.ts'
import { accessLogView, directoryView } from './split-view-logs.ts'
import { SplitViewMonitor, type SplitViewAlert } from './split-view-monitor.ts'
import { sessionResumes } from './session-ended-text.ts'
import { Attachments, type FileToSend, type Progress } from './attachments.ts'
import { BlobTransfer } from './blob-transfer.ts'
import { HistoryArchives, type ImportedHistory, type OnHistoryProgress } from './history-archives.ts'
import { AccountRecovery, recoveryApproval, recoveryKeyFrom } from './account-recovery.ts'
import { searchHistory } from './search/device-search.ts'
import { Profiles, type Person } from './profiles.ts'
import { MessageFeatures } from './message-features.ts'
import { Typing } from './typing.ts'
import { ConversationFeatures } from './conversation-features.ts'
import type { AttachmentRef } from '@candor/protocol'

function attachmentOf(message: MessageRecord, index: number): AttachmentRef {
  const ref = message.attachments?.[index]
  if (!ref) throw new CandorError('not_found', `message ${message.id} has no attachment ${index}`)
  return ref
}

export type { ClientEvents, ClientOptions, Reader, SecurityAlert } from './client-types.ts'

function httpOptions(opts: ClientOptions): { timeoutMs?: number } {
  return opts.httpTimeoutMs === undefined ? {} : { timeoutMs: opts.httpTimeoutMs }
}

export class CandorClient extends Emitter<ClientEvents> {
  readonly api: ApiClient
  readonly #opts: ClientOptions
  readonly #identity: Identity
  readonly #suite: MlsSuite
  readonly #config: MlsConfig
  readonly #authentication: { commit: AuthenticationFor; welcome: AuthenticationFor }
  readonly #directory: DeviceDirectory
  readonly #keyPackages: KeyPackages
  readonly #conversations: Conversations
  readonly #lock = new SerialLock()
  readonly #devices: OwnDevices
  readonly #messaging: Messaging
  readonly #data: DataOwnership
  /** Contact requests, contacts and blocks (contact-requests.ts). */
  readonly requests: ContactRequests
  readonly #archives: ComplianceArchives
  readonly #timer: DisappearingTimer
  readonly #splitViews: SplitViewMonitor
  readonly #failures: DeliveryFailures
  readonly #undecryptable: Undecryptables
  readonly #pending: PendingCommits
  readonly #recovery: Recovery
  readonly #rejoin: Rejoin
  readonly #attachments: Attachments
  readonly #profiles: Profiles
  readonly #features: MessageFeatures
  readonly #typing: Typing
  /** Replies, edits, deletes, reactions, receipts, typing, names, pins and mutes (conversation-features.ts). */
  readonly features: ConversationFeatures
  #connection: Connection | undefined
  #queue: DeliveryQueue | undefined
  #synced: Array<() => void> = []
  #isSynced = false
  /** How the session last ended, once it did; only one final ending is told. */
  #ended: SessionEndReason | undefined
  readonly #history: HistoryArchives
  readonly #accountRecovery: AccountRecovery

  private constructor(given: ClientOptions, api: ApiClient, identity: Identity, suite: MlsSuite) {
    super()
    // Every part of the client sees a failure of the device's storage as transient (local-store-failures.ts).
    const opts = { ...given, store: storeFailuresAsUnavailable(given.store) }
    this.#opts = opts
    this.api = api
    this.#identity = identity
    this.#suite = suite
    const emit = <K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void => this.emit(event, e)
    const checkpoints = new CheckpointTracker(api, opts.store, opts.directory ?? {})
    const directory = (this.#directory = new DeviceDirectory(api, checkpoints))
    const config = (this.#config = clientConfigWith(new DirectoryAuthenticationService((u, d) => directory.keyOf(u, d))))
    const past = new PastDirectory(api, checkpoints)
    this.#authentication = { commit: commitAuthentication(config.authService, past), welcome: welcomeAuthentication(config.authService, past) }
    const keyPackages = (this.#keyPackages = new KeyPackages(opts.store, api, suite, identity))
    const conversations = (this.#conversations = new Conversations(opts.store, config, opts.searchIndex))
    const lock = this.#lock
    const idle = async (): Promise<void> => {
      await this.#queue?.idle()
    }
    const pending = (this.#pending = new PendingCommits({ store: opts.store, api, conversations, config, emit }))
    const groups = new GroupChanges({ api, suite, directory, conversations, lock, userId: identity.userId, emit, idle, pending })
    const data = new DataApi(api)
    this.requests = new ContactRequests(data)
    this.#data = new DataOwnership({ api, data, store: opts.store, accessLogKey: opts.accessLogKey, identity, suite, directory, conversations, client: this, emit })
    const splitViews = (this.#splitViews = new SplitViewMonitor({
      logs: [directoryView(api, checkpoints), accessLogView(data, this.#data.accessLogTracker())],
      store: opts.store,
      alert: (a) => emit('alert', a),
      error: (where, error) => emit('error', { where, error }),
    }))
    const consent = (purpose: ConsentPurpose) => (scope: string, state: 'given' | 'withdrawn') => this.consent(purpose, scope, state)
    const archives = (this.#archives = new ComplianceArchives({ conversations, events: this, consent: consent('compliance_archive') }))
    this.#devices = new OwnDevices({ api, identity, directory, conversations, groups, consent: consent('device_enrolment'), emit })
    const connection = () => this.#connection
    const seen = () => splitViews.seen()
    this.#attachments = new Attachments(new BlobTransfer(api))
    const membersOf = async (conversation: string): Promise<string[]> => {
      const c = conversations.get(conversations.groupOf(conversation))
      return c ? [...new Set(leaves(c.state).map((l) => l.userId))].sort() : conversations.importedMembers(conversation)
    }
    this.#history = new HistoryArchives({ api, suite, identity, conversations, directory, membersOf })
    this.#accountRecovery = new AccountRecovery({ api, identity, directory, history: this.#history })
    const messaging = (this.#messaging = new Messaging({ api, suite, config, lock, me: identity, conversations, groups, keyPackages, directory, archives, connection, seen, emit }))
    const features = (this.#features = new MessageFeatures({
      store: opts.store,
      conversations,
      me: identity,
      send: (group, content) => messaging.sendContent(group, content),
      sendText: (group, text, extra) => messaging.send(group, text, [], extra),
      connected: () => connection() !== undefined,
      emit,
    }))
    this.#typing = new Typing({ suite, conversations, me: identity, connection, emit })
    this.features = new ConversationFeatures(features, this.#typing, (c) => this.#group(c), (g) => conversations.conversationOf(g))
    // A disappearing message's edits and reactions disappear with it.
    this.on('expired', (e) => void features.states.forget(e.ids).catch((error: unknown) => emit('error', { where: 'forgetting expired message state', error })))
    const rejoin = (this.#rejoin = new Rejoin({ api, suite, config, lock, me: identity, conversations, keyPackages, emit }))
    this.#recovery = new Recovery({
      api,
      suite,
      config,
      lock,
      me: identity,
      conversations,
      groups,
      keyPackages,
      emit,
      rejoin,
      send: (groupId, content, messageId) => messaging.sendContent(groupId, content, messageId),
    })
    this.#profiles = new Profiles({
      store: opts.store,
      data,
      conversations,
      userId: identity.userId,
      send: (groupId, content) => messaging.sendContent(groupId, content),
      error: (where, error) => emit('error', { where, error }),
      changed: (userId, displayName) => emit('profile', { userId, displayName }),
    })
    const failures = (this.#failures = new DeliveryFailures(opts.store))
    this.#undecryptable = new Undecryptables({
      store: opts.store,
      conversations,
      failures,
      me: identity,
      emit,
      send: (conversation, content) => messaging.sendContent(conversation, content),
    })
    this.#timer = new DisappearingTimer({
      data,
      conversations,
      lock,
      me: identity,
      sweepMs: opts.expirySweepMs ?? 1_000,
      emit,
      connected: () => connection() !== undefined,
      send: (conversation, content) => messaging.sendContent(conversation, content),
    })
  }

  static async #make(opts: ClientOptions, api: ApiClient, identity: Identity): Promise<CandorClient> {
    const c = new CandorClient(opts, api, identity, await getSuite(opts.crypto))
    await c.#conversations.load()
    await c.#pending.load()
    await c.#profiles.load()
    await c.#features.load()
    c.#archives.watch()
    c.#timer.startSweep()
    return c
  }

  /** Registers a new user with this as its first device. */
  /** Registers a new user and this, its first device; `org`: the organisation whose sign-up to use (else the server's `default`). */
  /** `ssoTicket`: a sign-in at the organisation's identity provider (ssoDeviceSignIn), required when it requires SSO. */
  static async register(opts: ClientOptions, userId: string, deviceName = 'first device', org?: string, ssoTicket?: string): Promise<CandorClient> {
    if (await loadIdentity(opts.store)) throw new CandorError('conflict', 'this home already holds a device')
    const api = new ApiClient(opts.server, undefined, httpOptions(opts))
    const identity = await registerIdentity(api, userId, deviceName, org, ssoTicket)
    await saveIdentity(opts.store, identity)
    api.setDevice(identity)
    const c = await CandorClient.#make(opts, api, identity)
    await c.#keyPackages.publishInitial()
    return c
  }

  /** Asks to add this as a further device of an existing user; approve it from another device. */
  static async enrol(opts: ClientOptions, userId: string, deviceName = 'new device', ssoTicket?: string): Promise<CandorClient> {
    if (await loadIdentity(opts.store)) throw new CandorError('conflict', 'this home already holds a device')
    const api = new ApiClient(opts.server, undefined, httpOptions(opts))
    const identity = await requestEnrolment(api, userId, deviceName, ssoTicket)
    await saveIdentity(opts.store, identity)
    api.setDevice(identity)
    return CandorClient.#make(opts, api, identity)
  }

  /**
   * Signs in at the organisation's identity provider by the device flow (RFC 8628): `show` gets
   * the URL and the code to give the person; resolves once they confirmed it there (or throws
   * when they refused or it expired). The ticket it yields registers, enrols or renews a session.
   */
  static async ssoDeviceSignIn(opts: ClientOptions, org: string, show: (prompt: SsoDeviceStartResponse) => void): Promise<SsoSignInResponse> {
    const api = new ApiClient(opts.server, undefined, httpOptions(opts))
    const started = await api.ssoDeviceStart(org)
    show(started)
    for (;;) {
      await new Promise((r) => setTimeout(r, Math.max(1, started.interval) * 1000))
      const r = await api.ssoDevicePoll(started.handle)
      if (r.status === 'signed_in') return r
      if (Date.now() > started.expiresAt + 60_000) throw new CandorError('unauthenticated', 'the device sign-in expired: start again')
    }
  }

  /** Renews this device's session with a fresh sign-in ticket of its organisation's identity provider. */
  async renewSso(ssoTicket: string): Promise<void> {
    await this.api.signInWithTicket(ssoTicket)
  }

  /** Opens the device kept in the store, or null if there is none. */
  static async open(opts: ClientOptions): Promise<CandorClient | null> {
    const identity = await loadIdentity(opts.store)
    if (!identity) return null
    const api = new ApiClient(opts.server, identity, httpOptions(opts))
    return CandorClient.#make(opts, api, identity)
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
    return this.#connection?.state ?? 'offline'
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
    if (this.#identity.status !== 'active') throw new CandorError('forbidden', 'this device is not approved yet')
    this.#timer.startSweep()
    if (!this.#connection) {
      const api = this.api
      const endpoint = { url: `${api.baseUrl.replace(/^http/, 'ws')}/v1/ws`, session: (outlives?: number) => api.session(outlives), forgetSession: () => api.forgetSession() }
      // Each delivery is acknowledged on the connection it came from once it is handled (delivery-queue.ts).
      let connection: Connection | undefined = undefined
      const queue = (this.#queue = new DeliveryQueue({
        process: (f) => this.#onDeliver(f),
        ack: (seq) => connection?.ack(seq),
        held: (f, error) => this.emit('error', { where: `processing message ${f.messageId} (kept, to be retried)`, error }),
      }))
      connection = this.#connection = new Connection(endpoint, this.#opts.webSocket, {
        onDeliver: (f) => queue.push(f),
        onNotice: (n) => this.#onNotice(n),
        onEphemeral: (f) => void this.#typing.received(f).catch((error: unknown) => this.emit('error', { where: 'typing indicator', error })),
        onSessionEnded: (reason) => this.#onSessionEnded(reason),
        onState: (s) => {
          if (s !== 'online') this.#isSynced = false
          // What failed while the network was away may well go through now.
          else queue.retryNow()
          this.emit('connection', s)
        },
      })
      connection.start()
    }
    await this.#connection.whenOnline()
    // A commit this device posted before it stopped, whose answer it never had: adopt or drop it.
    await this.#lock.run(() => this.#pending.settleAll())
    await this.sync()
    void this.#keyPackages.topUp().catch((error: unknown) => this.emit('error', { where: 'key packages', error }))
  }

  /** Resolves when the server has pushed everything queued so far and it has been processed. */
  async sync(timeoutMs = 15_000): Promise<void> {
    if (!this.#isSynced) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new CandorError('unavailable', 'timed out waiting for the server to sync')), timeoutMs)
        this.#synced.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    await this.#queue?.idle()
    await this.#lock.run(async () => undefined)
    await this.checkOwnDevices()
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
    this.#queue?.close()
    this.#queue = undefined
    this.#connection?.close()
    this.#connection = undefined
  }

  /** Reconnects at once instead of waiting out the backoff (e.g. when the network comes back). */
  reconnectNow(): void {
    this.#connection?.retryNow()
  }

  /** Simulates a network drop (the connection comes back by itself). */
  dropConnection(): void {
    this.#connection?.drop()
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
  async approve(deviceId: string, opts: { history?: { since: number | null }; onProgress?: OnHistoryProgress } = {}): Promise<{ transferred: number } | void> {
    await this.#devices.approve(deviceId)
    if (!opts.history) return
    const since = opts.history.since
    await this.consent('history_transfer', `${deviceId} since ${since === null ? 'the start' : new Date(since).toISOString()}`, 'given')
    this.#directory.forget(this.userId)
    const key = await this.#directory.keyOf(this.userId, deviceId)
    if (!key) throw new CandorError('directory_proof_invalid', 'the key directory does not prove the new device; no history was sent')
    const sent = await this.#history.send(deviceId, key, since, opts.onProgress)
    return { transferred: sent.messages }
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
   * other device. A wrong secret changes nothing on the server and leaves this home empty.
   */
  static async recover(
    opts: ClientOptions,
    userId: string,
    secret: string,
    deviceName = 'recovered device',
    options: { revokeOthers?: boolean; onProgress?: OnHistoryProgress } = {},
  ): Promise<{ client: CandorClient; restored: ImportedHistory; revoked: string[] }> {
    const recovery = recoveryKeyFrom(secret, userId)
    const client = await CandorClient.enrol(opts, userId, deviceName)
    try {
      await client.api.publicJson('POST', `/v1/enrolments/${client.deviceId}/recover`, {
        signature: recoveryApproval(recovery, userId, client.#identity.publicKey),
      })
    } catch (e) {
      client.close()
      await forgetIdentity(opts.store)
      throw e
    }
    await client.waitForApproval(30_000)
    const restored = await client.restoreBackup(secret, options.onProgress)
    const revoked: string[] = []
    if (options.revokeOthers) {
      for (const d of await client.devices()) {
        if (d.deviceId === client.deviceId || d.status !== 'active') continue
        await client.revoke(d.deviceId)
        revoked.push(d.deviceId)
      }
    }
    return { client, restored, revoked }
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
    return this.#messaging.whoCanRead(this.#group(conversation))
  }

  // ---- delivery ----

  #onNotice(n: Notice): void {
    switch (n.kind) {
      case 'synced':
        this.#isSynced = true
        for (const f of this.#synced.splice(0)) f()
        return
      case 'key_packages_low':
        void this.#keyPackages.topUp().catch((error: unknown) => this.emit('error', { where: 'key packages', error }))
        return
      case 'enrolment_request':
        this.emit('enrolment', { deviceId: n.requestId })
        return
      case 'device_recovered':
        this.#directory.forget(this.userId)
        this.emit('recovered_device', { deviceId: n.deviceId })
        return
      case 'contact_request':
        this.emit('request', { requestId: n.requestId, from: n.from, groupId: n.groupId })
        return
      case 'request_settled':
        this.emit('request_settled', { requestId: n.requestId, state: n.state })
        return
      case 'device_revoked':
        this.#directory.forget(this.userId)
        // The server says so again (session_ended) just before it closes the socket, but a
        // socket closed here first would not read that any more: this is the ending.
        if (n.deviceId === this.deviceId) {
          this.#onSessionEnded('revoked')
          this.close()
        }
    }
  }

  #onSessionEnded(reason: SessionEndReason): void {
    if (this.#ended !== undefined && !sessionResumes(this.#ended)) return
    this.#ended = reason
    this.emit('session_ended', { reason })
  }

  /** Processes a delivery under the MLS lock; rejects only on a transient failure (the queue keeps it). */
  async #onDeliver(f: DeliverFrame): Promise<void> {
    await this.#lock.run(() =>
      processDelivery(
        {
          suite: this.#suite,
          config: this.#config,
          authentication: this.#authentication,
          conversations: this.#conversations,
          keyPackages: this.#keyPackages,
          userId: this.userId,
          emit: (event, e) => this.emit(event, e),
          onLeave: (conversation, who) => this.#messaging.onLeave(conversation, who),
          onJoin: (conversation) => {
            this.#profiles.announceLater(conversation)
            void this.#timer.learn(conversation).catch((error: unknown) => this.emit('error', { where: 'learning the disappearing timer', error }))
          },
          onTimer: (conversation, ms) => this.emit('timer', { conversation, ms }),
          onProfile: (from, content, sentAt) => this.#profiles.received(from, content, sentAt),
          // Queued beside processing, outside this lock: a check never holds up delivery.
          onSeen: (sender, seen) => {
            if (sender.deviceId !== this.deviceId) this.#splitViews.observe(sender, seen)
          },
          undecryptable: this.#undecryptable,
          pending: this.#pending,
          recovery: this.#recovery,
          features: this.#features,
        },
        f,
      ),
    )
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

  /** The admin API, used with this device's own key (the server checks admin rights on every call). */
  get admin(): AdminClient {
    return this.#data.admin()
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
