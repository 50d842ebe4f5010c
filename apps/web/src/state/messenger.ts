// The signed-in device as the views see it: conversations with unread counts, messages with
// their delivery state, the connection, enrolment requests and notices. It listens to the
// SDK's events and keeps everything the views read in memory. Its parts: the messages per
// conversation (message-lists.ts), sending (sending.ts), notices and alerts (notice-board.ts).
import { draftOf, type Draft } from './drafts.ts'
import { sessionEndedText, sessionResumes, type CandorClient, type ConnectionState, type FailedFor, type LocalStore, type MessageRecord, type VerifiedOrganisation } from '@candor/sdk'
import { normaliseUserName, type AttachmentRef, type ContactRequestInfo, type DeviceInfo, type SessionEndReason } from '@candor/protocol'
import { conversationSummaries, type ConversationSummary } from './conversation-summaries.ts'
import { errorText } from './error-text.ts'
import { MessageLists } from './message-lists.ts'
import { NoticeBoard, type Notice, type TrustAlert } from './notice-board.ts'
import { Observable } from './observable.ts'
import { sendFile, sendText, type ShownMessages } from './sending.ts'
import { toUi, type UiMessage } from './ui-message.ts'
import { Verification } from './verification.ts'

const READ_PREFIX = 'web/read/'
/** How often pending contact requests are looked at again while there are any. */
const REQUESTS_REFRESH_MS = 5_000

export class Messenger extends Observable {
  readonly client: CandorClient
  readonly verification: Verification
  readonly #store: LocalStore
  readonly #messages = new MessageLists()
  readonly #board = new NoticeBoard(() => this.changed())
  /** What a send changes: the lists, and the conversation list after each change. */
  readonly #shown: ShownMessages = { insert: (m) => this.#insert(m), replace: (id, m) => this.#replace(id, m) }
  readonly #lastRead = new Map<string, number>()
  readonly #unsubscribe: Array<() => void> = []
  #summaries: ConversationSummary[] = []
  #pending: DeviceInfo[] = []
  #requests: ContactRequestInfo[] = []
  /** Device id → its name, for the devices named in failedFor. */
  readonly #deviceNames = new Map<string, string>()
  #open: string | undefined
  /** This person's organisation and its verified name, once read. */
  #organisation: VerifiedOrganisation | null = null
  #connection: ConnectionState
  #ended: SessionEndReason | undefined

  constructor(client: CandorClient, store: LocalStore) {
    super()
    this.client = client
    this.#store = store
    this.verification = new Verification(client, store)
    this.#connection = client.connectionState
  }

  get connection(): ConnectionState {
    return this.#connection
  }
  /**
   * Why this device can no longer send, when the server ended its session for good (revoked,
   * suspended, erased): shown instead of a message box, never a send that stays "Sending…".
   */
  get ended(): string | undefined {
    return this.#ended === undefined ? undefined : sessionEndedText(this.#ended)
  }
  get conversations(): readonly ConversationSummary[] {
    return this.#summaries
  }
  get pendingEnrolments(): readonly DeviceInfo[] {
    return this.#pending
  }
  /** First conversations from people this user never talked to, waiting for a yes or no. */
  get contactRequests(): readonly ContactRequestInfo[] {
    return this.#requests
  }
  get notices(): readonly Notice[] {
    return this.#board.notices
  }
  get alerts(): readonly TrustAlert[] {
    return this.#board.alerts
  }
  get openConversation(): string | undefined {
    return this.#open
  }

  conversation(id: string): ConversationSummary | undefined {
    return this.#summaries.find((c) => c.id === id)
  }

  messages(id: string): readonly UiMessage[] {
    return this.#messages.list(id)
  }

  /**
   * An organisation as shown: its name where this device verified it (its own organisation's
   * creation, proven in its audit log against the pinned key), else its id.
   */
  orgLabel(org: string): string {
    const o = this.#organisation
    return o !== null && o.org === org && o.name !== null ? o.name : org
  }

  async #loadOrganisation(): Promise<void> {
    try {
      this.#organisation = await this.client.organisation()
      this.changed()
    } catch {
      // Not verified (or not reachable now): the id is shown, as before.
    }
  }

  /** A person as shown: their display name (their own claim) next to the verified user id, never instead of it. */
  personLabel(userId: string): string {
    const name = this.client.displayNameOf(userId)
    return name ? `${name} (${userId})` : userId
  }

  /** The composer's draft for a conversation, kept across reloads in this browser's sealed store. */
  draft(id: string): Draft {
    return draftOf(this.#store, id)
  }

  /** Takes a conversation off this person's list here (`erase`: its history too); it comes back with its next message. */
  async hideConversation(id: string, erase: boolean): Promise<void> {
    await this.client.hideConversation(id, { erase })
    if (erase) this.#messages.delete(id)
    this.#refreshList()
  }

  /** The name of a device named in a message's failedFor, once known. */
  deviceName(deviceId: string): string | undefined {
    return this.#deviceNames.get(deviceId)
  }

  async start(): Promise<void> {
    // What the client says while the history loads (a following tab hears the leader's events
    // at once, and loading there is calls to the leader) is kept and taken in once the handlers
    // below are on — else a tab could show "Connecting…" for good, or miss a message.
    const early: Array<() => void> = []
    const keep = [
      this.client.on('message', (m) => early.push(() => this.#onMessage(m))),
      this.client.on('conversation', (e) => early.push(() => void this.#onConversation(e.id, e.change))),
      this.client.on('session_ended', (e) => early.push(() => this.#onSessionEnded(e.reason))),
    ]
    try {
      await this.#load()
    } finally {
      for (const f of keep) f()
    }
    this.#subscribe()
    for (const f of early) f()
    // The connection as it is now, whatever changed while loading.
    this.#onConnection(this.client.connectionState)
    void this.#loadOrganisation()
  }

  async #load(): Promise<void> {
    await this.verification.load()
    for (const key of await this.#store.keys(READ_PREFIX)) {
      this.#lastRead.set(key.slice(READ_PREFIX.length), Number(await this.#store.get(key)))
    }
    for (const c of this.client.conversations()) await this.#loadHistory(c.id)
    // Conversations whose history came from the backup, with no group on this device (a recovered one): readable, status 'transferred'.
    this.#transferred = await this.client.transferredConversations()
    for (const c of this.#transferred) await this.#loadHistory(c.id)
    this.#refreshList()
  }

  #subscribe(): void {
    const c = this.client
    this.#unsubscribe.push(
      c.on('message', (m) => this.#onMessage(m)),
      c.on('conversation', (e) => void this.#onConversation(e.id, e.change)),
      c.on('connection', (s) => this.#onConnection(s)),
      c.on('session_ended', (e) => this.#onSessionEnded(e.reason)),
      c.on('enrolment', () => void this.refreshEnrolments()),
      c.on('request', () => void this.refreshRequests()),
      c.on('request_settled', () => void this.refreshRequests()),
      // A pending request's count grows as its sender writes on (no notice for each): look again now and then.
      (() => {
        const t = setInterval(() => {
          if (this.#requests.length > 0 && this.#connection === 'online') void this.refreshRequests()
        }, REQUESTS_REFRESH_MS)
        return () => clearInterval(t)
      })(),
      c.on('error', (e) => this.#board.problem(e.where, e.error)),
      c.on('alert', (a) => this.#board.alert(a)),
      c.on('timer', () => this.#refreshList()),
      c.on('profile', () => this.#refreshList()),
      c.on('avatar', () => this.#refreshList()),
      // A message was edited, deleted, reacted to or read: show the record as the device holds it now.
      c.on('update', (e) => void this.#reload(e.conversation, e.id).catch((err: unknown) => this.#board.problem('showing a change', err))),
      c.on('typing', () => this.changed()),
      c.on('expired', (e) => this.#remove(e.conversation, new Set(e.ids))),
      c.on('status', (e) => this.#onFailedFor(e.conversation, e.id, e.failedFor)),
      // A compliance archive is a visible member: say so whenever one appears where this person is.
      c.on('archive', (a) => this.notify(`A compliance archive (${a.userId}) is now a member of a conversation you are in and receives its messages. See “Who can read this?” and your consents in Settings.`)),
    )
    // Reflect the network as the browser knows it: drop the socket at once when it goes
    // away rather than waiting for TCP to notice.
    const offline = () => this.client.dropConnection()
    // And reconnect as soon as it reports the network back, rather than waiting out the backoff.
    const online = () => this.client.reconnectNow()
    addEventListener('offline', offline)
    addEventListener('online', online)
    this.#unsubscribe.push(() => removeEventListener('offline', offline), () => removeEventListener('online', online))
    void this.refreshEnrolments()
    void this.refreshRequests()
    void this.#connect()
  }

  stop(): void {
    for (const f of this.#unsubscribe.splice(0)) f()
    this.client.close()
  }

  async #connect(): Promise<void> {
    try {
      await this.client.connect()
    } catch (e) {
      // The socket keeps retrying by itself; the banner shows the state meanwhile.
      this.notify(`Not connected yet: ${errorText(e)}`)
    }
    this.#refreshList()
    void this.verification.check(this.#contacts())
  }

  // ---- conversations ----

  /** Marks the conversation on screen; its messages count as read while it is open. */
  setOpen(id: string | undefined): void {
    this.#open = id
    if (id) this.markRead(id)
    this.changed()
  }

  markRead(id: string): void {
    const last = this.#messages.list(id).at(-1)
    const at = last ? last.sentAt : 0
    if ((this.#lastRead.get(id) ?? -1) >= at) return
    this.#lastRead.set(id, at)
    void this.#store.put(READ_PREFIX + id, String(at))
    // The senders learn it was read (unless this person turned read receipts off).
    // Offline, it is sent the next time the conversation is read here.
    void this.client.features.markRead(id).catch(() => undefined)
    this.#refreshList()
  }

  async startConversation(userIds: readonly string[]): Promise<string> {
    const others = [...new Set(typedUsers(userIds))].filter((u) => u !== this.client.userId)
    if (others.length === 0) throw new Error('Add at least one other person')
    const id = others.length === 1 ? await this.client.directConversation(others[0]!) : await this.client.createConversation(others)
    await this.#loadHistory(id)
    this.#refreshList()
    return id
  }

  async addMembers(id: string, userIds: readonly string[]): Promise<void> {
    await this.client.addMembers(id, typedUsers(userIds))
    this.#refreshList()
  }

  async removeMember(id: string, userId: string): Promise<void> {
    await this.client.removeMembers(id, [userId])
    this.#refreshList()
  }

  async leave(id: string): Promise<void> {
    await this.client.leave(id)
    this.#refreshList()
  }

  // ---- messages ----

  /** Sends a text; `replyTo`: the id of the message it replies to (quoted). */
  async send(conversation: string, text: string, replyTo?: string): Promise<void> {
    if (this.ended !== undefined) throw new Error(this.ended)
    await sendText(this.client, this.#shown, conversation, text, replyTo)
  }

  /**
   * Sends a file: encrypted in this browser as it is read (never whole in memory), uploaded
   * with progress shown on the message, then announced to the conversation.
   */
  async sendFile(conversation: string, file: File): Promise<void> {
    if (this.ended !== undefined) throw new Error(this.ended)
    await sendFile(this.client, this.#shown, conversation, file)
  }

  /**
   * Downloads and decrypts an attachment in this browser, checking its SHA-256, and hands it
   * to the browser as a file to save. `onProgress`: the share received, 0–100.
   */
  async downloadAttachment(ref: AttachmentRef, onProgress?: (percent: number) => void): Promise<Blob> {
    const parts: Uint8Array<ArrayBuffer>[] = []
    await this.client.downloadAttachmentTo(
      ref,
      (p) => void parts.push(p as Uint8Array<ArrayBuffer>),
      (p) => onProgress?.(p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100)),
    )
    return new Blob(parts, { type: ref.mediaType })
  }

  async retry(m: UiMessage): Promise<void> {
    this.#remove(m.conversation, new Set([m.id]))
    await this.send(m.conversation, m.text)
  }

  /** Sets the disappearing timer (seconds; null turns it off); the server's policy may refuse. */
  async setTimer(id: string, seconds: number | null): Promise<void> {
    await this.client.setDisappearingTimer(id, seconds)
    this.#refreshList()
  }

  // ---- devices ----

  async refreshEnrolments(): Promise<void> {
    try {
      this.#pending = await this.client.pendingEnrolments()
      this.changed()
    } catch (e) {
      this.#board.problem('listing enrolment requests', e)
    }
  }

  /** With `history`, the new device is also sent the history this one holds (docs/protocol.md §4.2). */
  async approve(deviceId: string, opts: Parameters<CandorClient['approve']>[1] = {}): Promise<void> {
    await this.client.approve(deviceId, opts)
    await this.refreshEnrolments()
  }

  async deny(deviceId: string): Promise<void> {
    await this.client.deny(deviceId)
    await this.refreshEnrolments()
  }

  // ---- contact requests ----

  async refreshRequests(): Promise<void> {
    try {
      this.#requests = await this.client.requests.list()
      this.changed()
    } catch (e) {
      this.#board.problem('listing contact requests', e)
    }
  }

  /** Accepts: the sender becomes a contact and the waiting messages arrive. */
  async acceptRequest(requestId: string): Promise<void> {
    await this.client.requests.accept(requestId)
    await this.refreshRequests()
  }

  /** Declines: the waiting messages are dropped; the sender is not told. */
  async declineRequest(requestId: string): Promise<void> {
    await this.client.requests.decline(requestId)
    await this.refreshRequests()
  }

  /** Blocks the sender (which declines their requests): nothing of theirs reaches this user. */
  async blockSender(userId: string): Promise<void> {
    await this.client.requests.block(userId)
    await this.refreshRequests()
  }

  notify(text: string): void {
    this.#board.notify(text)
  }

  dismissAlert(id: number): void {
    this.#board.dismissAlert(id)
  }

  dismiss(id: number): void {
    this.#board.dismiss(id)
  }

  // ---- internals ----

  #contacts(): string[] {
    return [...new Set(this.#summaries.flatMap((c) => c.others))]
  }

  async #loadHistory(id: string): Promise<void> {
    if (this.#messages.has(id)) return
    const history = await this.client.history(id)
    this.#messages.mergeHistory(id, history)
    void this.#nameDevices(history.flatMap((m) => m.failedFor ?? []))
  }

  async #reload(conversation: string, id: string): Promise<void> {
    const r = (await this.client.history(conversation)).find((m) => m.id === id)
    if (r) this.#messages.reloaded(conversation, r)
    this.#refreshList()
  }

  #onFailedFor(conversation: string, id: string, failedFor: FailedFor[], tries = 0): void {
    // The notice can come back before this page lists its own message (the send's answer is
    // still on its way): tried again shortly, for up to 10 s.
    if (!this.#messages.setFailedFor(conversation, id, failedFor)) {
      if (tries < 40) setTimeout(() => this.#onFailedFor(conversation, id, failedFor, tries + 1), 250)
      return
    }
    this.#refreshList()
    void this.#nameDevices(failedFor)
  }

  /**
   * Names this person's own devices that could not decrypt, so the message can say which. Other
   * people's devices stay named by id: the server tells nobody the names of someone else's devices.
   */
  async #nameDevices(failed: readonly FailedFor[]): Promise<void> {
    if (!failed.some((f) => f.userId === this.client.userId && !this.#deviceNames.has(f.deviceId))) return
    try {
      for (const d of await this.client.devices()) this.#deviceNames.set(d.deviceId, d.name)
    } catch {
      // The message then names the device by its id.
    }
    this.changed()
  }

  #onMessage(m: MessageRecord): void {
    this.#insert(toUi(m))
    if (m.conversation === this.#open && document.visibilityState === 'visible') this.markRead(m.conversation)
  }

  async #onConversation(id: string, change: string): Promise<void> {
    await this.#loadHistory(id)
    this.#refreshList()
    const c = this.conversation(id)
    if (change === 'removed') this.notify(`You were removed from “${c?.title ?? 'a conversation'}”`)
    // A changed member list may mean a contact's devices changed: recheck verified contacts.
    if (c && change === 'members') void this.verification.check(c.others).catch((e: unknown) => this.#board.problem('checking keys', e))
  }

  #onConnection(s: ConnectionState): void {
    const wasOnline = this.#connection === 'online'
    this.#connection = s
    this.changed()
    if (s === 'online' && !wasOnline) {
      void this.refreshEnrolments()
      void this.refreshRequests()
      void this.verification.check(this.#contacts()).catch((e: unknown) => this.#board.problem('checking keys', e))
    }
  }

  #onSessionEnded(reason: SessionEndReason): void {
    if (sessionResumes(reason)) return
    this.#ended = reason
    // What was still on its way will not go: say so on each, with the reason.
    this.#messages.failSending(sessionEndedText(reason))
    this.#refreshList()
  }

  #insert(m: UiMessage): void {
    if (this.#messages.insert(m)) this.#refreshList()
  }

  #replace(id: string, m: UiMessage): void {
    this.#messages.replace(id, m)
    this.#refreshList()
  }

  #remove(conversation: string, ids: ReadonlySet<string>): void {
    this.#messages.remove(conversation, ids)
    this.#refreshList()
  }

  #transferred: Array<{ id: string; members: string[] }> = []

  #refreshList(): void {
    this.#summaries = conversationSummaries(this.client, this.#transferred, this.#messages, this.#lastRead, (u) => this.personLabel(u))
    this.changed()
  }
}

/** User names as a person typed them (blank entries skipped), as user ids; throws naming a bad one. */
function typedUsers(names: readonly string[]): string[] {
  return names.filter((n) => n.trim() !== '').map((n) => normaliseUserName(n, 'user name'))
}
