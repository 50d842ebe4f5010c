// CandorClient: one device of one person. Everything a UI or the CLI does goes through here.
// It owns the device's identity, its MLS states and its delivery socket; what it does with
// them lives beside it: the parts and their wiring in client-parts.ts, how a client comes to be
// (register, enrol, open, recover) in client-accounts.ts, the delivery socket, queue and notices
// in delivery-session.ts; the calls about the person's account (devices, recovery, what the
// directory proves, data ownership) in account-client.ts, which this class extends; own-devices.ts,
// messaging.ts, group-changes.ts, incoming.ts, conversation-views.ts, the split-view checks
// (split-view-monitor.ts), and under data/ the data-ownership features (ownership.ts,
// archives.ts) and disappearing-timer.ts.
import { CandorError, type DeviceId, type SsoDeviceStartResponse, type SsoSignInResponse, type GroupDirectoryLink, type DirectoryLink, type AttachmentRef, type Thumbnail } from '@candor/protocol'
import { getSuites, leaves, type MlsSuites } from '@candor/crypto'
import { AccountClient } from './account-client.ts'
import type { ApiClient } from './api-client.ts'
import { enrolDevice, recoverAccount, registerDevice, ssoDeviceSignIn, storedDevice } from './client-accounts.ts'
import { wireClientParts, type ClientParts } from './client-parts.ts'
import type { ClientOptions, ConversationEncryption, Reader } from './client-types.ts'
import type { ConnectionState } from './connection.ts'
import { devicesLeftOut, encryptionOf, listConversations } from './conversation-views.ts'
import type { DeliveryFailure } from './delivery-failures.ts'
import { DeliverySession } from './delivery-session.ts'
import { saveIdentity, type Identity } from './identity.ts'
import { storeFailuresAsUnavailable } from './local-store-failures.ts'
import type { MessageRecord } from './message-record.ts'
import type { UnreportedFailure } from './undecryptable.ts'
import { checkAttachmentType } from './data/policy-checks.ts'
import { DataApi } from './data/data-api.ts'
import type { ContactRequests } from './contact-requests.ts'
import type { ArchiveApi } from './archive-api.ts'
import type { FileToSend, Progress } from './attachments.ts'
import type { ImportedHistory, OnHistoryProgress } from './history-archives.ts'
import type { JoinedConversations } from './rejoin-as-new-device.ts'
import { searchHistory } from './search/device-search.ts'
import type { Person } from './profiles.ts'
import type { OwnAvatar } from './avatars.ts'
import { Invites } from './invites.ts'
import { GroupInvites } from './group-invites.ts'
import { DirectoryMembers } from './directory-members.ts'
import type { ConversationFeatures } from './conversation-features.ts'

function attachmentOf(message: MessageRecord, index: number): AttachmentRef {
  const ref = message.attachments?.[index]
  if (!ref) throw new CandorError('not_found', `message ${message.id} has no attachment ${index}`)
  return ref
}

export type { ClientEvents, ClientOptions, ConversationEncryption, Reader, SecurityAlert } from './client-types.ts'

export class CandorClient extends AccountClient {
  readonly api: ApiClient
  readonly #opts: ClientOptions
  readonly #identity: Identity
  /** The parts of the client, each doing one thing (client-parts.ts); the calls below delegate to them. */
  readonly #parts: ClientParts
  /** Contact requests, contacts and blocks (contact-requests.ts). */
  readonly requests: ContactRequests
  /** The compliance archive: status, consent, adding it where the policy requires it (archive-api.ts). */
  readonly archive: ArchiveApi
  /** Replies, edits, deletes, reactions, receipts, typing, names, pins and mutes (conversation-features.ts). */
  readonly features: ConversationFeatures
  /** The delivery socket and queue, connecting, syncing and notices (delivery-session.ts). */
  readonly #session: DeliverySession

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
    this.#parts = p
    this.requests = p.requests
    this.archive = p.archive
    this.features = p.conversationFeatures
    this.#session = session = new DeliverySession({ client: this, opts, api, identity, suites, parts: p })
  }

  protected get parts(): ClientParts {
    return this.#parts
  }

  static async #make(opts: ClientOptions, api: ApiClient, identity: Identity): Promise<CandorClient> {
    const c = new CandorClient(opts, api, identity, await getSuites(opts.crypto))
    await c.#parts.conversations.load()
    await c.#parts.pending.load()
    await c.#parts.profiles.load()
    await c.#parts.avatars.load()
    await c.#parts.features.load()
    c.#parts.archives.watch()
    c.archive.watch()
    c.#parts.timer.startSweep()
    return c
  }

  /** Registers a new user with this as its first device. */
  /** Registers a new user and this, its first device; `org`: the organisation whose sign-up to use (else the server's `default`). */
  /** `ssoTicket`: a sign-in at the organisation's identity provider (ssoDeviceSignIn), required when it requires SSO. */
  static async register(opts: ClientOptions, userId: string, deviceName = 'first device', org?: string, ssoTicket?: string): Promise<CandorClient> {
    const { api, identity } = await registerDevice(opts, userId, deviceName, org, ssoTicket)
    const c = await CandorClient.#make(opts, api, identity)
    await c.#parts.keyPackages.publishInitial()
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
        await this.#parts.keyPackages.publishInitial()
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

  close(): void {
    this.#parts.features.close()
    this.#parts.typing.close()
    this.#parts.splitViews.close()
    this.#parts.timer.stopSweep()
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

  // ---- conversations (see messaging.ts) ----

  /**
   * `timer`: the disappearing timer in ms as this device knows it, null when off. A conversation
   * keeps its id when it is reset onto a new MLS group (§5.4); it is listed once, with the group it uses now.
   * Conversations the person hid (hideConversation) are left out until their next message.
   */
  conversations(): Array<{ id: string; status: string; members: string[]; epoch: number; timer: number | null }> {
    return listConversations(this.#parts.conversations)
  }

  /** Creates a conversation with these users (all their devices, and this user's other devices). */
  async createConversation(userIds: readonly string[]): Promise<string> {
    const id = await this.#parts.messaging.create(userIds)
    await this.#parts.profiles.announce(id)
    // Where the organisation's policy requires its compliance archive, it is added now (archive-api.ts).
    await this.archive.ensureQuietly(id)
    return id
  }

  /** The oldest active 1:1 conversation with this user, created if there is none. */
  async directConversation(userId: string): Promise<string> {
    const before = new Set(this.#parts.conversations.list().map((c) => c.meta.id))
    const id = await this.#parts.messaging.direct(userId)
    if (!before.has(id)) await this.#parts.profiles.announce(id)
    return id
  }

  /** Adds users by a commit, then tells every member "X added Y". */
  async addMembers(conversation: string, userIds: readonly string[]): Promise<void> {
    await this.#parts.messaging.add(this.#group(conversation), userIds)
    await this.#parts.profiles.announce(this.#group(conversation))
    await this.#parts.features.membersChanged(this.#group(conversation), userIds, [])
  }

  // ---- people (see profiles.ts) ----

  /**
   * Sets this person's display name (1–64 characters) and sends it, end-to-end encrypted, to
   * each of their conversations; others show it next to the verified user id, never instead.
   */
  async setDisplayName(name: string): Promise<string> {
    return this.#parts.profiles.set(name)
  }

  /** Invite links (docs/protocol.md §5.8): make one (the secret only in the returned link), list and revoke one's own. */
  get invites(): Invites {
    return (this.#invites ??= new Invites(new DataApi(this.api), this.api.baseUrl))
  }
  #invites: Invites | undefined

  /** Group invite links (docs/protocol.md §5.8): this device adds whoever uses one it made. */
  get groupInvites(): GroupInvites {
    const conversations = this.#parts.conversations
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
      send: (c, content) => this.#parts.messaging.sendContent(this.#group(c), content),
      error: (where, error) => this.emit('error', { where, error }),
    }))
  }
  #groupInvites: GroupInvites | undefined

  /** Directory-linked conversations (docs/protocol.md §5.9): which SCIM group a conversation follows, and this device's part in following it. */
  get directoryMembers(): DirectoryMembers {
    const conversations = this.#parts.conversations
    return (this.#directoryMembers ??= new DirectoryMembers({
      me: { userId: this.userId },
      conversations,
      directory: this.#parts.directory,
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
    await this.#parts.avatars.set(avatar)
    await this.#parts.profiles.announceAll()
  }

  /** A user's picture (the thumbnail they sent) as this device knows it; null when none. */
  avatarOf(userId: string): Thumbnail | null {
    return this.#parts.avatars.of(userId)
  }

  /** A user's display name as this device learnt it from their profile messages (this person's own for themselves); null when none. */
  displayNameOf(userId: string): string | null {
    return this.#parts.profiles.nameOf(userId)
  }

  /**
   * People to talk to: members of this person's organisation whose user id starts with the
   * query (the server's list), then people of this device's conversations whose user id or
   * display name matches.
   */
  async findPeople(query: string): Promise<Person[]> {
    return this.#parts.profiles.find(query)
  }

  /** Removes users by a commit, then tells every member "X removed Y". */
  async removeMembers(conversation: string, userIds: readonly string[]): Promise<void> {
    await this.#parts.messaging.remove(this.#group(conversation), userIds)
    await this.#parts.features.membersChanged(this.#group(conversation), [], userIds)
  }

  /** The MLS group a conversation uses now (it changes when the conversation is reset). */
  #group(conversation: string): string {
    return this.#parts.conversations.groupOf(conversation)
  }

  /**
   * Resets the conversation (docs/protocol.md §5.4): a new MLS group with every member device but
   * those of `leaveOut` (user ids), announced in every member's timeline (and to those left
   * out) as a line naming who reset it and whom it left out. Returns the new group's id.
   */
  async reset(conversation: string, leaveOut: readonly string[] = [], reason = 'reset by a member'): Promise<string> {
    const groupId = this.#group(conversation)
    return this.#parts.recovery.reset(groupId, devicesLeftOut(this.#parts.conversations, groupId, leaveOut, this.userId), reason)
  }

  /**
   * Rejoins the conversation's group by an external commit from the server's GroupInfo (docs/protocol.md
   * §5.2), judged against the key directory, when this device fell behind (it does so by itself
   * when it meets a commit or message it cannot process for that reason). True once it is in
   * step with the group (or already was); false when it cannot (the reason is emitted as `error`).
   */
  rejoin(conversation: string): Promise<boolean> {
    return this.#parts.rejoin.rejoin(this.#group(conversation))
  }

  /** Leaves: tells the members (one of them commits the removal) and stops delivery here. */
  async leave(conversation: string): Promise<void> {
    return this.#parts.messaging.leave(this.#group(conversation))
  }

  async send(conversation: string, text: string): Promise<MessageRecord> {
    return this.#parts.messaging.send(this.#group(conversation), text)
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
    const ref = await this.#parts.attachments.upload(group, file)
    return this.#parts.messaging.send(group, file.text ?? '', [ref])
  }

  /**
   * Downloads and decrypts a message's attachment (`index`: which one, default the first) into
   * memory, checking its SHA-256; throws AttachmentError when the server's blob is not it.
   */
  async downloadAttachment(message: MessageRecord, index = 0, onProgress?: (p: Progress) => void): Promise<Uint8Array> {
    return this.#parts.attachments.downloadBytes(attachmentOf(message, index), onProgress)
  }

  /** As downloadAttachment, handing the plaintext to `sink` chunk by chunk (a file is kept only once this resolved). */
  async downloadAttachmentTo(ref: AttachmentRef, sink: (plain: Uint8Array) => void | Promise<void>, onProgress?: (p: Progress) => void): Promise<void> {
    return this.#parts.attachments.download(ref, sink, onProgress)
  }

  /**
   * Full-text search of this device's history (never the server's): the records holding every
   * word of the query (each as a word prefix, case and accents ignored), newest first, at most
   * `limit` (≤ 500). Through the client's search index when it has one (ClientOptions.searchIndex).
   */
  async search(query: string, limit = 50): Promise<MessageRecord[]> {
    return this.#parts.failures.decorate(await searchHistory(this.#parts.conversations, query, limit), this.deviceId)
  }

  /**
   * Hides a conversation from this person's list on this device (it comes back with its next
   * message); `erase`: also deletes its history here, search index included.
   */
  async hideConversation(conversation: string, opts: { erase?: boolean } = {}): Promise<void> {
    await this.#parts.conversations.hide(conversation, opts.erase === true)
  }

  /** The conversation's records, oldest first; this device's own messages a recipient could not decrypt carry `status: 'failed'` and `failedFor`. */
  async history(conversation: string): Promise<MessageRecord[]> {
    return this.#parts.failures.decorate(await this.#parts.features.states.decorate(await this.#parts.conversations.history(conversation), this.userId), this.deviceId)
  }

  async inbox(): Promise<MessageRecord[]> {
    return this.#parts.failures.decorate(await this.#parts.features.states.decorate(await this.#parts.conversations.inbox(), this.userId), this.deviceId)
  }

  /**
   * Recipients' reports that they could not decrypt this device's messages, in the order they
   * came, after position `since` (each has its position `n`): for readers that keep a cursor.
   */
  async deliveryFailures(since = 0): Promise<DeliveryFailure[]> {
    return this.#parts.failures.since(since)
  }

  /**
   * Messages this device could not process and could not tell their senders about (it was
   * behind in the group, or had just reported one from the same sender), oldest first.
   */
  async unreportedFailures(): Promise<UnreportedFailure[]> {
    return this.#parts.undecryptable.unreported()
  }

  /** Exactly who can decrypt this conversation, from the verified MLS tree and the directory. */
  async whoCanRead(conversation: string): Promise<Reader[]> {
    return this.archive.readers(conversation, await this.#parts.messaging.whoCanRead(this.#group(conversation)))
  }

  /**
   * The MLS cipher suite of the conversation's current group (docs/protocol.md §5.0), as "Who
   * can read this?" shows it: read from this device's own group state.
   */
  encryptionOf(conversation: string): ConversationEncryption {
    return encryptionOf(this.#parts.conversations, this.#group(conversation))
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
    return this.#parts.timer.set(this.#group(conversation), seconds)
  }

  /** The timer the server applies to the conversation (ms; null when off). */
  async disappearingTimer(conversation: string): Promise<number | null> {
    return this.#parts.timer.get(this.#group(conversation))
  }
}
