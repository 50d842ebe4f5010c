// CandorClient: one device of one person. Everything a UI or the CLI does goes through here.
import type { CiphersuiteImpl, ClientConfig, CryptoProvider } from 'ts-mls'
import {
  CandorError,
  accessLogInfoSchema,
  accessReceiptsResponseSchema,
  accountExportSchema,
  approvalStatement,
  type ConsentPurpose,
  type ConsentRecord,
  fromBase64Url,
  newGroupId,
  newMessageId,
  toBase64Url,
  type DeliverFrame,
  type DeviceId,
  type DeviceInfo,
  type GroupId,
  type MessageId,
  type Notice,
} from '@candor/protocol'
import { DirectoryAuthenticationService, clientConfigWith, getSuite, safetyNumber, signDetached } from '@candor/crypto'
import { ApiClient } from './api-client.ts'
import { Connection, type ConnectionState, type WebSocketFactory } from './connection.ts'
import { Conversations, type MessageRecord } from './conversations.ts'
import { DeviceDirectory, type UnknownDevice } from './directory.ts'
import { CheckpointTracker, type DirectoryTrust } from './checkpoint-tracker.ts'
import { Emitter } from './emitter.ts'
import { loadIdentity, registerIdentity, requestEnrolment, saveIdentity, type Identity } from './identity.ts'
import { KeyPackages } from './key-packages.ts'
import type { LocalStore } from './local-store.ts'
import { encodeContent, isTimerSeconds, type Content } from './message-content.ts'
import { encryptApplication, epochOf, leaves, ownLeafIndex, startGroup, type Leaf } from './mls-ops.ts'
import { SerialLock } from './serial-lock.ts'
import { GroupChanges } from './group-changes.ts'
import { processDelivery } from './incoming.ts'
import { DataApi } from './data/data-api.ts'
import { AccessLogTracker } from './data/access-log-tracker.ts'
import { fetchReceipts, type VerifiedReceipt } from './data/receipts.ts'
import { AdminClient } from './data/admin-client.ts'
import { DELETION_RECEIPT_KEY, requestErasure, type DeletionReceipt } from './data/erasure.ts'
import { buildExport, type ExportProgress } from './data/export-bundle.ts'
import type { BagFile } from './data/bag.ts'
import { currentConsents, readLedger, recordConsent, type LedgerEntry } from './data/consents.ts'
import { expiresAt, retentionResponse, timerNotice, timerSeconds } from './data/retention.ts'

export interface ClientOptions {
  server: string
  store: LocalStore
  crypto: CryptoProvider
  webSocket: WebSocketFactory
  /** Pinned key-directory keys and required witnesses; pinned on first use by default. */
  directory?: DirectoryTrust
  /** How often the device deletes records whose disappearing timer ran out (ms; default 1000). */
  expirySweepMs?: number
  /**
   * The access log's verifier key (a C2SP vkey), pinned instead of trusting the first one the
   * server shows; receipts and deletion receipts are then checked against it only.
   */
  accessLogKey?: string
}

/**
 * Something the user must see: their own account has a device none of their devices enrolled,
 * or the server offered a device for someone that the key directory does not prove (refused).
 */
export type SecurityAlert =
  | { kind: 'unknown_device'; deviceId: string; publicKey: string; version: number }
  | { kind: 'unverified_device'; userId: string; deviceId: string }

export interface ClientEvents extends Record<string, unknown> {
  message: MessageRecord
  conversation: { id: string; change: 'joined' | 'members' | 'removed' | 'left' }
  connection: ConnectionState
  enrolment: { deviceId: string }
  alert: SecurityAlert
  error: { where: string; error: unknown }
  /** Records deleted from this device because their disappearing timer ran out. */
  expired: { conversation: string; ids: string[] }
  /** The conversation's disappearing timer changed (a member set it, or it was learnt on joining). */
  timer: { conversation: string; ms: number | null }
  /**
   * A compliance archive is a member of a conversation this device is in: it was just added,
   * or this device just joined a conversation that has one. Show it to the person.
   */
  archive: { conversation: string; userId: string }
}

export interface Reader {
  userId: string
  devices: Array<{ deviceId: string; verified: boolean; self: boolean }>
  kind: 'person' | 'bot' | 'archive'
}

export class CandorClient extends Emitter<ClientEvents> {
  readonly api: ApiClient
  readonly #opts: ClientOptions
  readonly #identity: Identity
  readonly #suite: CiphersuiteImpl
  readonly #config: ClientConfig
  readonly #directory: DeviceDirectory
  readonly #keyPackages: KeyPackages
  readonly #conversations: Conversations
  readonly #lock = new SerialLock()
  readonly #groups: GroupChanges
  #connection: Connection | undefined
  #synced: Array<() => void> = []
  #isSynced = false
  readonly #alerted = new Set<string>()
  /** Archive members known per conversation, so each new one is announced once ('archive' event). */
  readonly #archives = new Map<string, Set<string>>()

  private constructor(opts: ClientOptions, api: ApiClient, identity: Identity, suite: CiphersuiteImpl) {
    super()
    this.#opts = opts
    this.api = api
    this.#identity = identity
    this.#suite = suite
    this.#directory = new DeviceDirectory(api, new CheckpointTracker(api, opts.store, opts.directory ?? {}))
    this.#config = clientConfigWith(new DirectoryAuthenticationService((u, d) => this.#directory.keyOf(u, d)))
    this.#keyPackages = new KeyPackages(opts.store, api, suite, identity)
    this.#conversations = new Conversations(opts.store, this.#config)
    this.#groups = new GroupChanges({
      api,
      suite,
      directory: this.#directory,
      conversations: this.#conversations,
      lock: this.#lock,
      userId: identity.userId,
      emit: (event, e) => this.emit(event, e),
      idle: async () => {
        await this.#connection?.idle()
      },
    })
  }

  static async #make(opts: ClientOptions, api: ApiClient, identity: Identity): Promise<CandorClient> {
    const c = new CandorClient(opts, api, identity, await getSuite(opts.crypto))
    await c.#conversations.load()
    c.#watchArchives()
    c.#startExpirySweep()
    return c
  }

  /** Registers a new user with this as its first device. */
  static async register(opts: ClientOptions, userId: string, deviceName = 'first device'): Promise<CandorClient> {
    if (await loadIdentity(opts.store)) throw new CandorError('conflict', 'this home already holds a device')
    const api = new ApiClient(opts.server)
    const identity = await registerIdentity(api, userId, deviceName)
    await saveIdentity(opts.store, identity)
    api.setDevice(identity)
    const c = await CandorClient.#make(opts, api, identity)
    await c.#keyPackages.publishInitial()
    return c
  }

  /** Asks to add this as a further device of an existing user; approve it from another device. */
  static async enrol(opts: ClientOptions, userId: string, deviceName = 'new device'): Promise<CandorClient> {
    if (await loadIdentity(opts.store)) throw new CandorError('conflict', 'this home already holds a device')
    const api = new ApiClient(opts.server)
    const identity = await requestEnrolment(api, userId, deviceName)
    await saveIdentity(opts.store, identity)
    api.setDevice(identity)
    return CandorClient.#make(opts, api, identity)
  }

  /** Opens the device kept in the store, or null if there is none. */
  static async open(opts: ClientOptions): Promise<CandorClient | null> {
    const identity = await loadIdentity(opts.store)
    if (!identity) return null
    const api = new ApiClient(opts.server, identity)
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
    this.#startExpirySweep()
    if (!this.#connection) {
      const wsUrl = this.api.baseUrl.replace(/^http/, 'ws')
      this.#connection = new Connection(async () => `${wsUrl}/v1/ws?token=${encodeURIComponent(await this.api.token())}`, this.#opts.webSocket, {
        onDeliver: (f) => this.#onDeliver(f),
        onNotice: (n) => this.#onNotice(n),
        onState: (s) => {
          if (s !== 'online') this.#isSynced = false
          this.emit('connection', s)
        },
      })
      this.#connection.start()
    }
    await this.#connection.whenOnline()
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
    await this.#connection?.idle()
    await this.#lock.run(async () => undefined)
    await this.checkOwnDevices()
  }

  /**
   * Monitors this user's own directory entry; every device key that none of the user's devices
   * enrolled raises an 'alert' (once per key) and is returned.
   */
  async checkOwnDevices(): Promise<UnknownDevice[]> {
    const unknown = await this.#directory.unknownOwnDevices(this.userId)
    for (const u of unknown) {
      if (this.#alerted.has(u.publicKey)) continue
      this.#alerted.add(u.publicKey)
      this.emit('alert', { kind: 'unknown_device', ...u })
    }
    return unknown
  }

  /** Verified device keys of a user, from the key directory. */
  async verifiedDevices(userId: string): Promise<Array<{ deviceId: string; publicKey: Uint8Array }>> {
    return this.#directory.devices(userId, true)
  }

  /**
   * The safety number between this user and another, from both users' directory-proven device
   * keys. Compare it out of band (read aloud, or scan the QR payload); it changes when either
   * user's devices change.
   */
  async safetyNumber(userId: string): Promise<{ number: string; qr: string }> {
    const [mine, theirs] = await Promise.all([this.verifiedDevices(this.userId), this.verifiedDevices(userId)])
    const number = safetyNumber({ userId: this.userId, keys: mine.map((d) => d.publicKey) }, { userId, keys: theirs.map((d) => d.publicKey) })
    const qr = `candor-safety:1:${[this.userId, userId].sort().join(':')}:${number.replace(/\s+/g, '')}`
    return { number, qr }
  }

  close(): void {
    this.#stopExpirySweep()
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

  // ---- devices ----

  async devices(): Promise<DeviceInfo[]> {
    return (await this.api.myDevices()).devices
  }

  async pendingEnrolments(): Promise<DeviceInfo[]> {
    return (await this.api.pendingEnrolments()).requests
  }

  /** Approves a pending device of this user and adds it to every conversation. */
  async approve(deviceId: string): Promise<void> {
    const pending = (await this.pendingEnrolments()).find((d) => d.deviceId === deviceId)
    if (!pending) throw new CandorError('not_found', 'no pending enrolment with this id')
    // The person's consent to the new device is part of approving it, signed before it takes effect.
    await this.consent('device_enrolment', deviceId, 'given')
    const signature = toBase64Url(signDetached(this.#identity.secretKey, approvalStatement(this.deviceId, this.userId, pending.publicKey)))
    await this.api.approveEnrolment(deviceId, signature)
    this.#directory.forget(this.userId)
    const deadline = Date.now() + 30_000
    for (const c of this.#conversations.list()) {
      if (c.meta.status !== 'active') continue
      // The new device publishes its key packages once it sees the approval.
      for (;;) {
        try {
          await this.#groups.addDevices(c.meta.id, this.userId, [deviceId])
          break
        } catch (e) {
          if (!(e instanceof CandorError) || e.code !== 'no_key_package' || Date.now() > deadline) throw e
          await new Promise((r) => setTimeout(r, 300))
        }
      }
    }
  }

  /** Revokes one of this user's devices and removes it from every conversation by a commit. */
  async revoke(deviceId: string): Promise<void> {
    // Signed first: once this device is revoked it can no longer add to the ledger.
    await this.consent('device_enrolment', deviceId, 'withdrawn')
    await this.api.revokeDevice(deviceId)
    this.#directory.forget(this.userId)
    for (const c of this.#conversations.list()) {
      if (c.meta.status !== 'active' || deviceId === this.deviceId) continue
      if (leaves(c.state).some((l) => l.deviceId === deviceId)) {
        await this.#groups.commit(c.meta.id, async () => ({ add: [], removeDevices: [deviceId] }))
      }
    }
  }

  // ---- conversations ----

  /** `timer`: the disappearing timer in ms as this device knows it, null when off. */
  conversations(): Array<{ id: string; status: string; members: string[]; epoch: number; timer: number | null }> {
    return this.#conversations.list().map((c) => ({
      id: c.meta.id,
      status: c.meta.status,
      members: [...new Set(leaves(c.state).map((l) => l.userId))].sort(),
      epoch: epochOf(c.state),
      timer: c.meta.timer?.ms ?? null,
    }))
  }

  /** Creates a conversation with these users (all their devices, and this user's other devices). */
  async createConversation(userIds: readonly string[]): Promise<string> {
    const others = [...new Set(userIds)].filter((u) => u !== this.userId)
    const groupId = newGroupId()
    await this.api.createGroup(groupId)
    await this.#archiveConsent(groupId, others, 'given')
    await this.#lock.run(async () => {
      const [kp] = await this.#keyPackages.generate(1, false)
      const state = await startGroup(this.#suite, this.#config, fromBase64Url(groupId)!, kp!)
      await this.#keyPackages.consumed(kp!)
      await this.#conversations.save(groupId, state, { createdAt: Date.now(), status: 'active' })
    })
    const claims = await this.#groups.claim([this.userId, ...others], true)
    if (claims.length > 0) await this.#groups.commit(groupId, async () => ({ add: claims, removeDevices: [] }))
    return groupId
  }

  /** The oldest active 1:1 conversation with this user, created if there is none. */
  async directConversation(userId: string): Promise<string> {
    const existing = this.#conversations.withUsers(new Set([this.userId, userId]))[0]
    return existing ? existing.meta.id : this.createConversation([userId])
  }

  async addMembers(conversation: string, userIds: readonly string[]): Promise<void> {
    this.#groups.active(conversation)
    const claims = await this.#groups.claim(userIds, false)
    await this.#archiveConsent(conversation, userIds, 'given')
    await this.#groups.commit(conversation, async (c) => {
      const present = new Set(leaves(c.state).map((l) => l.deviceId))
      return { add: claims.filter((k) => !present.has(k.deviceId)), removeDevices: [] }
    })
  }

  async removeMembers(conversation: string, userIds: readonly string[]): Promise<void> {
    const users = new Set(userIds)
    if (users.has(this.userId)) throw new CandorError('bad_request', 'use leave() to leave a conversation')
    await this.#archiveConsent(conversation, userIds, 'withdrawn')
    await this.#groups.commit(conversation, async (c) => ({
      add: [],
      removeDevices: leaves(c.state).filter((l) => users.has(l.userId)).map((l) => l.deviceId),
    }))
  }

  /** Leaves: tells the members (one of them commits the removal) and stops delivery here. */
  async leave(conversation: string): Promise<void> {
    await this.#sendContent(conversation, { v: 1, type: 'leave', id: newMessageId(), sentAt: Date.now() })
    await this.#markLeft(conversation)
  }

  async #markLeft(conversation: string): Promise<void> {
    await this.api.leave(conversation).catch((e: unknown) => {
      if (!(e instanceof CandorError) || e.code !== 'not_member') throw e
    })
    await this.#lock.run(async () => {
      const c = this.#conversations.get(conversation)
      if (c) await this.#conversations.save(conversation, c.state, { status: 'left' })
    })
    this.emit('conversation', { id: conversation, change: 'left' })
  }

  async send(conversation: string, text: string): Promise<MessageRecord> {
    // Stamped with the timer, so a member who missed the timer message still deletes it in time.
    const timer = this.#conversations.timerMs(conversation)
    const seconds = timerSeconds(timer)
    const content: Content = { v: 1, type: 'text', id: newMessageId(), text, sentAt: Date.now(), ...(seconds === null ? {} : { timer: seconds }) }
    const sentAt = await this.#sendContent(conversation, content)
    const record: MessageRecord = {
      id: content.id,
      conversation,
      from: this.userId,
      fromDevice: this.deviceId,
      text,
      sentAt,
      receivedAt: sentAt,
      direction: 'out',
      ...expiresAt(sentAt, seconds === null ? null : seconds * 1000),
    }
    await this.#conversations.record(record)
    return record
  }

  async #sendContent(conversation: string, content: Content): Promise<number> {
    const conn = this.#connection
    if (!conn) throw new CandorError('unavailable', 'not connected: call connect() first')
    const message = await this.#lock.run(async () => {
      const c = this.#groups.active(conversation)
      const out = await encryptApplication(this.#suite, c.state, encodeContent(content))
      await this.#conversations.save(conversation, out.state)
      return out.message
    })
    // The same id on a retry lets the server drop a duplicate.
    const messageId = content.id as MessageId
    for (let attempt = 0; ; attempt++) {
      try {
        await conn.whenOnline()
        return await conn.send(conversation as GroupId, messageId, message)
      } catch (e) {
        if (!(e instanceof CandorError) || e.code !== 'unavailable' || attempt >= 5) throw e
      }
    }
  }

  async history(conversation: string): Promise<MessageRecord[]> {
    return this.#conversations.history(conversation)
  }

  async inbox(): Promise<MessageRecord[]> {
    return this.#conversations.inbox()
  }

  /** Exactly who can decrypt this conversation, from the verified MLS tree and the directory. */
  async whoCanRead(conversation: string): Promise<Reader[]> {
    const c = this.#conversations.get(conversation)
    if (!c) throw new CandorError('unknown_group', 'no such conversation on this device')
    const byUser = new Map<string, Reader>()
    for (const l of leaves(c.state)) {
      const key = await this.#directory.keyOf(l.userId, l.deviceId).catch(() => null)
      const verified = key !== null && toBase64Url(key) === toBase64Url(l.signatureKey)
      const r = byUser.get(l.userId) ?? { userId: l.userId, devices: [], kind: kindOf(l.userId) }
      r.devices.push({ deviceId: l.deviceId, verified, self: l.deviceId === this.deviceId })
      byUser.set(l.userId, r)
    }
    return [...byUser.values()].sort((a, b) => a.userId.localeCompare(b.userId))
  }

  // ---- internals ----

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
      case 'device_revoked':
        this.#directory.forget(this.userId)
        if (n.deviceId === this.deviceId) this.close()
    }
  }

  async #onDeliver(f: DeliverFrame): Promise<void> {
    try {
      await this.#lock.run(() =>
        processDelivery(
          {
            suite: this.#suite,
            config: this.#config,
            conversations: this.#conversations,
            keyPackages: this.#keyPackages,
            userId: this.userId,
            emit: (event, e) => this.emit(event, e),
            onLeave: (conversation, who) => this.#onLeave(conversation, who),
            onJoin: (conversation) => {
              void this.#learnTimer(conversation).catch((error: unknown) => this.emit('error', { where: 'learning the disappearing timer', error }))
            },
            onTimer: (conversation, ms) => this.emit('timer', { conversation, ms }),
          },
          f,
        ),
      )
    } catch (error) {
      this.emit('error', { where: `processing message ${f.messageId}`, error })
    }
  }

  /** A member left: their own other devices leave too; the lowest remaining leaf commits the removal. */
  #onLeave(conversation: string, who: Leaf): void {
    if (who.userId === this.userId) {
      void this.#markLeft(conversation).catch((error: unknown) => this.emit('error', { where: 'leave', error }))
      return
    }
    const c = this.#conversations.get(conversation)
    if (!c) return
    const staying = leaves(c.state).filter((l) => l.userId !== who.userId)
    if (staying[0]?.leafIndex !== ownLeafIndex(c.state)) return
    const removeDevices = leaves(c.state).filter((l) => l.userId === who.userId).map((l) => l.deviceId)
    // Outside the lock: the commit takes it itself.
    setTimeout(() => {
      this.#groups.commit(conversation, async (cur) => ({
        add: [],
        removeDevices: leaves(cur.state).filter((l) => removeDevices.includes(l.deviceId)).map((l) => l.deviceId),
      })).catch((error: unknown) => this.emit('error', { where: 'removing a member who left', error }))
    }, 0)
  }

  // ---- data ownership ----
  #dataApi: DataApi | undefined
  #accessLog: AccessLogTracker | undefined

  get #data(): { api: DataApi; accessLog: AccessLogTracker } {
    this.#dataApi ??= new DataApi(this.api)
    this.#accessLog ??= new AccessLogTracker(this.#dataApi, this.#opts.store, Date.now, this.#opts.accessLogKey)
    return { api: this.#dataApi, accessLog: this.#accessLog }
  }

  /**
   * Records the access log's latest checkpoint (verified, consistent with the last one seen).
   * Call it now and then: a receipt revealed later then proves it was logged by that time.
   */
  async observeAccessLog(): Promise<{ size: number }> {
    const cp = await this.#data.accessLog.refresh()
    return { size: cp.size }
  }

  /** This person's access receipts readable now, each proven in the signed access log. */
  accessReceipts(): Promise<VerifiedReceipt[]> {
    return fetchReceipts(this.#data.api, this.#data.accessLog, this.#identity, this.#suite)
  }

  /** The admin API, used with this device's own key (the server checks admin rights on every call). */
  get admin(): AdminClient {
    return new AdminClient(this.#data.api)
  }

  /**
   * Erases this account everywhere: leaves every conversation (the others remove its devices
   * by commits), has the server delete everything it holds and tombstone the key-directory
   * entry, checks the signed and logged deletion receipt, and wipes this device's keys and
   * conversation states, keeping only the receipt (under DELETION_RECEIPT_KEY).
   */
  async deleteAccount(): Promise<DeletionReceipt> {
    for (const c of this.conversations()) if (c.status === 'active') await this.leave(c.id)
    const receipt = await requestErasure(this.#data.api, this.#data.accessLog, this.userId)
    this.close()
    await this.#conversations.wipeHistory()
    for (const key of await this.#opts.store.keys('')) await this.#opts.store.delete(key)
    await this.#opts.store.put(DELETION_RECEIPT_KEY, JSON.stringify(receipt))
    return receipt
  }

  /** Gives or withdraws a consent: a record signed by this device, added to the person's ledger. */
  consent(purpose: ConsentPurpose, scope: string, state: 'given' | 'withdrawn'): Promise<ConsentRecord> {
    return recordConsent(this.#data.api, this.#identity, purpose, scope, state)
  }

  /** The person's whole consent ledger, every record's signature checked against their device keys. */
  async consentLedger(): Promise<LedgerEntry[]> {
    // Keys from this person's proven key-directory history (revoked devices included), not
    // the server's device list: a device the server made up cannot sign a record here.
    const keys = await this.#directory.enrolledOwnKeys(this.userId)
    return readLedger(this.#data.api, this, keys)
  }

  /**
   * Every conversation this device is in that has a compliance archive as a member, with this
   * person's own consent to it (scope = the conversation id): given, withdrawn, or none.
   */
  async archiveConsents(ledger?: readonly LedgerEntry[]): Promise<Array<{ conversation: string; archives: string[]; consent: 'given' | 'withdrawn' | 'none' }>> {
    const current = currentConsents(ledger ?? (await this.consentLedger())).filter((r) => r.purpose === 'compliance_archive')
    const out = []
    for (const c of this.#conversations.list()) {
      if (c.meta.status !== 'active') continue
      const archives = archivesIn(c.state)
      if (archives.size === 0) continue
      const mine = current.find((r) => r.scope === c.meta.id)
      out.push({ conversation: c.meta.id, archives: [...archives].sort(), consent: mine?.state ?? ('none' as const) })
    }
    return out
  }

  /** The person adding (or removing) a compliance archive signs their consent (or its withdrawal) first. */
  async #archiveConsent(conversation: string, userIds: readonly string[], state: 'given' | 'withdrawn'): Promise<void> {
    const archives = userIds.filter((u) => kindOf(u) === 'archive')
    if (archives.length === 0) return
    await this.consent('compliance_archive', conversation, state)
    // This device added it: the person knows, no need to announce it back to them.
    if (state === 'given') for (const a of archives) this.#knownArchives(conversation).add(a)
  }

  #knownArchives(conversation: string): Set<string> {
    let set = this.#archives.get(conversation)
    if (!set) this.#archives.set(conversation, (set = new Set()))
    return set
  }

  /** Announces every archive member that appears in a conversation after this client opened. */
  #watchArchives(): void {
    for (const c of this.#conversations.list()) this.#archives.set(c.meta.id, archivesIn(c.state))
    this.on('conversation', ({ id, change }) => {
      if (change !== 'joined' && change !== 'members') return
      const c = this.#conversations.get(id)
      if (!c || c.meta.status !== 'active') return
      const known = this.#knownArchives(id)
      const now = archivesIn(c.state)
      for (const a of now) if (!known.has(a)) this.emit('archive', { conversation: id, userId: a })
      this.#archives.set(id, now)
    })
  }

  /**
   * Sets the conversation's disappearing timer. First on the server, through its retention
   * policy, which may clamp or refuse (then nothing changes and nothing is sent); the server
   * then deletes the conversation's ciphertext, delivered or not, once it is older. Then in
   * band: an end-to-end-encrypted timer message with the value the server applied, from which
   * every member's devices learn it and delete their copies. Returns the timer applied (ms).
   */
  async setDisappearingTimer(conversation: string, seconds: number | null): Promise<number | null> {
    if (seconds !== null && !isTimerSeconds(seconds)) throw new CandorError('bad_request', 'the timer must be a whole number of seconds, or null to turn it off')
    // Checked before the server changes anything: a device that cannot send the timer
    // message must not change the timer behind the members' backs.
    if (this.#conversations.get(conversation)?.meta.status !== 'active') throw new CandorError('not_member', 'this device is not a member of the conversation')
    if (!this.#connection) throw new CandorError('unavailable', 'not connected: call connect() first')
    const r = await this.#data.api.call(retentionResponse, 'PUT', `/v1/groups/${encodeURIComponent(conversation)}/retention`, { body: { seconds } })
    const applied = timerSeconds(r.retentionMs)
    const content: Content = { v: 1, type: 'timer', id: newMessageId(), sentAt: Date.now(), seconds: applied }
    const sentAt = await this.#sendContent(conversation, content)
    const ms = applied === null ? null : applied * 1000
    await this.#lock.run(() => this.#conversations.setTimer(conversation, { ms, setBy: this.userId, setAt: sentAt }))
    const record = timerNotice({ id: content.id, conversation, from: this.userId, fromDevice: this.deviceId, sentAt, direction: 'out', ms })
    if (await this.#conversations.record(record)) this.emit('message', record)
    this.emit('timer', { conversation, ms })
    return r.retentionMs
  }

  /** The timer the server applies to the conversation (ms; null when off). */
  async disappearingTimer(conversation: string): Promise<number | null> {
    return (await this.#data.api.call(retentionResponse, 'GET', `/v1/groups/${encodeURIComponent(conversation)}/retention`)).retentionMs
  }

  /**
   * A device that joins from a Welcome missed the timer messages sent before it: it asks the
   * server once. Any timer message it receives (before or after the answer) wins.
   */
  async #learnTimer(conversation: string): Promise<void> {
    const ms = await this.disappearingTimer(conversation)
    const seconds = timerSeconds(ms)
    await this.#lock.run(async () => {
      const c = this.#conversations.get(conversation)
      if (!c || c.meta.timer) return
      const learnt = seconds === null ? null : seconds * 1000
      await this.#conversations.setTimer(conversation, { ms: learnt, setBy: null, setAt: Date.now() })
      this.emit('timer', { conversation, ms: learnt })
    })
  }

  #expirySweep: { ref: ReturnType<typeof setInterval>; running: boolean } | undefined

  /** Deletes expired records now and then while the client is open; never keeps the process alive. */
  #startExpirySweep(): void {
    if (this.#expirySweep) return
    const sweep: { ref: ReturnType<typeof setInterval>; running: boolean } = {
      running: false,
      ref: setInterval(() => {
        if (sweep.running) return
        sweep.running = true
        this.#conversations
          .expire(Date.now())
          .then((gone) => {
            for (const [conversation, ids] of gone) this.emit('expired', { conversation, ids })
          })
          .catch((error: unknown) => this.emit('error', { where: 'deleting expired messages', error }))
          .finally(() => {
            sweep.running = false
          })
      }, this.#opts.expirySweepMs ?? 1_000),
    }
    ;(sweep.ref as { unref?: () => void }).unref?.()
    this.#expirySweep = sweep
  }

  #stopExpirySweep(): void {
    if (this.#expirySweep) clearInterval(this.#expirySweep.ref)
    this.#expirySweep = undefined
  }

  /** Builds this person's signed export (a BagIt-style file list); see data/export-bundle.ts. */
  async exportData(onProgress?: ExportProgress): Promise<BagFile[]> {
    const { api, accessLog } = this.#data
    return buildExport(
      {
        userId: this.userId,
        deviceId: this.deviceId,
        publicKey: this.#identity.publicKey,
        secretKey: this.#identity.secretKey,
        server: this.api.baseUrl,
        conversations: this.conversations(),
        history: (id) => this.history(id),
        devices: () => this.devices(),
        directory: async () => ({ info: await this.api.directoryInfo(), history: await this.api.directoryHistory() }),
        receipts: async () => ({
          verified: await this.accessReceipts(),
          log: { verifierKey: (await api.call(accessLogInfoSchema, 'GET', '/v1/access-log', { signedIn: false })).verifierKey, seen: await accessLog.seen() },
          proofs: await api.call(accessReceiptsResponseSchema, 'GET', '/v1/access-receipts'),
        }),
        consents: async () => (await this.consentLedger()).map((e) => ({ seq: e.seq, record: e.text, signature: e.signature })),
        serverHeld: () => api.call(accountExportSchema, 'GET', '/v1/account/export'),
      },
      onProgress,
    )
  }
}

function archivesIn(state: Parameters<typeof leaves>[0]): Set<string> {
  return new Set(leaves(state).map((l) => l.userId).filter((u) => kindOf(u) === 'archive'))
}

function kindOf(userId: string): Reader['kind'] {
  if (userId.startsWith('archive.')) return 'archive'
  if (userId.startsWith('bot.')) return 'bot'
  return 'person'
}
