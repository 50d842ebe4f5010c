// The signed-in device as the views see it: conversations with unread counts, messages with
// their delivery state, the connection, enrolment requests and notices. It listens to the
// SDK's events and keeps everything the views read in memory.
import { draftOf, type Draft } from './drafts.ts'
import { sessionEndedText, sessionResumes, type CandorClient, type ConnectionState, type FailedFor, type LocalStore, type MessageRecord, type SecurityAlert, type VerifiedOrganisation } from '@candor/sdk'
import { CandorError, normaliseUserName, type AttachmentRef, type ContactRequestInfo, type DeviceInfo, type SessionEndReason } from '@candor/protocol'
import { makeThumbnail } from './thumbnail.ts'
import { alertText } from './alert-text.ts'
import { errorText } from './error-text.ts'
import { Observable } from './observable.ts'
import { Verification } from './verification.ts'
import { blobStream } from '../tabs/tab-messages.ts'

export type Delivery = 'sending' | 'sent' | 'failed' | 'received'

export interface UiMessage {
  id: string
  conversation: string
  from: string
  text: string
  sentAt: number
  direction: 'in' | 'out'
  delivery: Delivery
  error?: string
  /**
   * 'timer': a notice that a member changed the disappearing timer, not something someone
   * wrote; 'unsupported': a message this version cannot show (its text says so);
   * 'undecryptable': a notice that a message could not be decrypted on this device; 'reset': a
   * member reset the conversation (its text names who, and whom it left out).
   */
  kind?: MessageRecord['kind']
  /** For kind 'archive': which organisation's archive, under which policy version (shown with the organisation's name where verified). */
  archive?: MessageRecord['archive']
  /** When the device deletes it (ms since the epoch); it leaves the view then. */
  expiresAt?: number
  /** On the person's own message: recipient devices that reported they could not decrypt it. */
  failedFor?: FailedFor[]
  /** Files sent with it (their keys stay on this device). */
  attachments?: AttachmentRef[]
  /** Conversation features (the SDK's record fields): a quoted message, an edit or delete, reactions, a mention of this person. */
  replyTo?: MessageRecord['replyTo']
  edited?: boolean
  deleted?: boolean
  reactions?: Record<string, string[]>
  mentioned?: boolean
  /** On the person's own messages: delivered to, or read by, the recipients (their receipts). */
  receipt?: 'delivered' | 'read'
  /** While this device uploads the file of a message it is sending: the share sent, 0–100. */
  uploading?: { name: string; percent: number }
  /** It came in a history transfer or the backup (docs/protocol.md §4.2), not live. */
  transferred?: true
}

export interface ConversationSummary {
  id: string
  status: string
  members: string[]
  /** Members other than this user. */
  others: string[]
  title: string
  last: UiMessage | undefined
  unread: number
  /** The disappearing timer in ms, null when off. */
  timer: number | null
}

export interface Notice {
  id: number
  text: string
}

/** Something people must see: the key directory disagrees with what this device expects. */
export interface TrustAlert {
  id: number
  kind: SecurityAlert['kind'] | 'directory_check_failed'
  text: string
}

const READ_PREFIX = 'web/read/'
/** How often pending contact requests are looked at again while there are any. */
const REQUESTS_REFRESH_MS = 5_000

export class Messenger extends Observable {
  readonly client: CandorClient
  readonly verification: Verification
  readonly #store: LocalStore
  readonly #messages = new Map<string, UiMessage[]>()
  readonly #lastRead = new Map<string, number>()
  readonly #unsubscribe: Array<() => void> = []
  #summaries: ConversationSummary[] = []
  #pending: DeviceInfo[] = []
  #requests: ContactRequestInfo[] = []
  #notices: Notice[] = []
  #alerts: TrustAlert[] = []
  #noticeId = 0
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
    return this.#notices
  }
  get alerts(): readonly TrustAlert[] {
    return this.#alerts
  }
  get openConversation(): string | undefined {
    return this.#open
  }

  conversation(id: string): ConversationSummary | undefined {
    return this.#summaries.find((c) => c.id === id)
  }

  messages(id: string): readonly UiMessage[] {
    return this.#messages.get(id) ?? []
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

  /** The name of a device named in a message's failedFor, once known. */
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
      c.on('error', (e) => this.#onError(e.where, e.error)),
      c.on('alert', (a) => this.#onAlert(a)),
      c.on('timer', () => this.#refreshList()),
      c.on('profile', () => this.#refreshList()),
      c.on('avatar', () => this.#refreshList()),
      // A message was edited, deleted, reacted to or read: show the record as the device holds it now.
      c.on('update', (e) => void this.#reload(e.conversation, e.id).catch((err: unknown) => this.#onError('showing a change', err))),
      c.on('typing', () => this.changed()),
      c.on('expired', (e) => this.#removeAll(e.conversation, new Set(e.ids))),
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
    const last = this.#messages.get(id)?.at(-1)
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
    const local: UiMessage = {
      id: `local-${crypto.randomUUID()}`,
      conversation,
      from: this.client.userId,
      text,
      sentAt: Date.now(),
      direction: 'out',
      delivery: 'sending',
    }
    this.#insert(local)
    try {
      const r = replyTo === undefined ? await this.client.send(conversation, text) : await this.client.features.reply(conversation, replyTo, text)
      this.#replace(local.id, { ...toUi(r), delivery: 'sent' })
    } catch (e) {
      this.#replace(local.id, { ...local, delivery: 'failed', error: errorText(e) })
    }
  }

  /**
   * Sends a file: encrypted in this browser as it is read (never whole in memory), uploaded
   * with progress shown on the message, then announced to the conversation.
   */
  async sendFile(conversation: string, file: File): Promise<void> {
    if (this.ended !== undefined) throw new Error(this.ended)
    const local: UiMessage = {
      id: `local-${crypto.randomUUID()}`,
      conversation,
      from: this.client.userId,
      text: '',
      sentAt: Date.now(),
      direction: 'out',
      delivery: 'sending',
      uploading: { name: file.name, percent: 0 },
    }
    this.#insert(local)
    let shown = 0
    try {
      const thumbnail = await makeThumbnail(file)
      const r = await this.client.sendFile(conversation, {
        name: file.name,
        type: file.type || 'application/octet-stream',
        ...(thumbnail ? { thumbnail } : {}),
        stream: blobStream(file),
        size: file.size,
        onProgress: (p) => {
          const percent = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100)
          if (percent === shown) return
          shown = percent
          this.#replace(local.id, { ...local, uploading: { name: file.name, percent } })
        },
      })
      this.#replace(local.id, { ...toUi(r), delivery: 'sent' })
    } catch (e) {
      this.#replace(local.id, { ...local, uploading: { name: file.name, percent: shown }, delivery: 'failed', error: errorText(e) })
    }
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
    this.#remove(m.conversation, m.id)
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
      this.#onError('listing enrolment requests', e)
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
      this.#onError('listing contact requests', e)
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
    const id = ++this.#noticeId
    this.#notices = [...this.#notices, { id, text }].slice(-3)
    this.changed()
    setTimeout(() => this.dismiss(id), 10_000)
  }

  dismissAlert(id: number): void {
    this.#alerts = this.#alerts.filter((a) => a.id !== id)
    this.changed()
  }

  dismiss(id: number): void {
    this.#notices = this.#notices.filter((n) => n.id !== id)
    this.changed()
  }

  // ---- internals ----

  #contacts(): string[] {
    return [...new Set(this.#summaries.flatMap((c) => c.others))]
  }

  async #loadHistory(id: string): Promise<void> {
    if (this.#messages.has(id)) return
    const history = await this.client.history(id)
    // What was shown while the history was read (a message that came in just after the Welcome
    // that added this device, this page's own send) is newer than the read: kept, never replaced
    // by it — else a conversation opened as it arrived lost its first messages until a reload.
    const meanwhile = this.#messages.get(id) ?? []
    const shown = new Set(meanwhile.map((m) => m.id))
    const merged = [...history.map(toUi).filter((m) => !shown.has(m.id)), ...meanwhile]
    this.#messages.set(id, meanwhile.length > 0 ? merged.sort((a, b) => a.sentAt - b.sentAt) : merged)
    void this.#nameDevices(history.flatMap((m) => m.failedFor ?? []))
  }

  async #reload(conversation: string, id: string): Promise<void> {
    const r = (await this.client.history(conversation)).find((m) => m.id === id)
    const list = this.#messages.get(conversation)
    // A failure noted while the history was being read is kept (the read may predate it).
    const keep = (x: UiMessage): Partial<UiMessage> => ({ ...(x.uploading ? { uploading: x.uploading } : {}), ...(x.failedFor && !r?.failedFor ? { failedFor: x.failedFor } : {}) })
    if (r && list) this.#messages.set(conversation, list.map((x) => (x.id === id ? { ...toUi(r), ...keep(x) } : x)))
    this.#refreshList()
  }

  #onFailedFor(conversation: string, id: string, failedFor: FailedFor[], tries = 0): void {
    const list = this.#messages.get(conversation)
    // The notice can come back before this page lists its own message (the send's answer is
    // still on its way): tried again shortly, for up to 10 s.
    if (!list?.some((x) => x.id === id)) {
      if (tries < 40) setTimeout(() => this.#onFailedFor(conversation, id, failedFor, tries + 1), 250)
      return
    }
    this.#messages.set(conversation, list.map((x) => (x.id === id ? { ...x, failedFor } : x)))
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
    if (c && change === 'members') void this.verification.check(c.others).catch((e: unknown) => this.#onError('checking keys', e))
  }

  #onConnection(s: ConnectionState): void {
    const wasOnline = this.#connection === 'online'
    this.#connection = s
    this.changed()
    if (s === 'online' && !wasOnline) {
      void this.refreshEnrolments()
      void this.refreshRequests()
      void this.verification.check(this.#contacts()).catch((e: unknown) => this.#onError('checking keys', e))
    }
  }

  #onSessionEnded(reason: SessionEndReason): void {
    if (sessionResumes(reason)) return
    this.#ended = reason
    const why = sessionEndedText(reason)
    // What was still on its way will not go: say so on each, with the reason.
    for (const [conversation, list] of this.#messages) {
      if (list.some((m) => m.delivery === 'sending')) {
        this.#messages.set(conversation, list.map((m) => (m.delivery === 'sending' ? { ...m, delivery: 'failed', error: why } : m)))
      }
    }
    this.#refreshList()
  }

  #onAlert(a: SecurityAlert): void {
    this.#raise(a.kind, alertText(a))
  }

  #raise(kind: TrustAlert['kind'], text: string): void {
    if (this.#alerts.some((x) => x.text === text)) return
    this.#alerts = [...this.#alerts, { id: ++this.#noticeId, kind, text }]
    this.changed()
  }

  #onError(where: string, error: unknown): void {
    // A delivery kept for a retry, or one shown in its conversation as undecryptable: no toast.
    if (where.startsWith('processing message ')) {
      console.warn(`candor: ${where}:`, error)
      return
    }
    if (error instanceof CandorError && error.code === 'directory_proof_invalid') {
      this.#raise('directory_check_failed', `Key directory check failed while ${where}: ${error.message}. Do not trust new keys until this is resolved.`)
      return
    }
    console.warn(`candor: ${where}:`, error)
    this.notify(`Problem ${where}: ${errorText(error)}`)
  }

  #insert(m: UiMessage): void {
    const list = this.#messages.get(m.conversation) ?? []
    if (list.some((x) => x.id === m.id)) return
    const next = [...list, m]
    // Keep display order by send time; out-of-order arrivals are rare and slot in.
    if (list.length > 0 && m.sentAt < list[list.length - 1]!.sentAt) next.sort((a, b) => a.sentAt - b.sentAt)
    this.#messages.set(m.conversation, next)
    this.#refreshList()
  }

  #replace(id: string, m: UiMessage): void {
    // A copy that arrived meanwhile under the new id goes; the one replaced stays in its place
    // (also when it keeps its id: an upload's progress, a send that failed).
    const list = (this.#messages.get(m.conversation) ?? []).filter((x) => x.id !== m.id || x.id === id)
    this.#messages.set(
      m.conversation,
      list.map((x) => (x.id === id ? m : x)),
    )
    this.#refreshList()
  }

  #removeAll(conversation: string, ids: ReadonlySet<string>): void {
    this.#messages.set(conversation, (this.#messages.get(conversation) ?? []).filter((x) => !ids.has(x.id)))
    this.#refreshList()
  }

  #remove(conversation: string, id: string): void {
    this.#messages.set(conversation, (this.#messages.get(conversation) ?? []).filter((x) => x.id !== id))
    this.#refreshList()
  }

  #transferred: Array<{ id: string; members: string[] }> = []

  #refreshList(): void {
    const me = this.client.userId
    const groups = this.client.conversations()
    const onlyHistory = this.#transferred
      .filter((t) => !groups.some((c) => c.id === t.id))
      .map((t) => ({ id: t.id, status: 'transferred', members: t.members, epoch: 0, timer: null }))
    this.#summaries = [...groups, ...onlyHistory]
      .map((c) => {
        const msgs = this.#messages.get(c.id) ?? []
        const lastRead = this.#lastRead.get(c.id) ?? 0
        const others = c.members.filter((u) => u !== me)
        return {
          id: c.id,
          status: c.status,
          members: c.members,
          others,
          title: this.client.features.info(c.id).name ?? (others.length > 0 ? others.map((u) => this.personLabel(u)).join(', ') : 'Only you'),
          last: msgs.at(-1),
          // A message this version cannot show was still sent by someone: it counts.
          unread: msgs.filter((m) => m.direction === 'in' && m.kind !== 'timer' && m.sentAt > lastRead).length,
          timer: c.timer,
        }
      })
      .sort((a, b) => (b.last?.sentAt ?? Number.MAX_SAFE_INTEGER) - (a.last?.sentAt ?? Number.MAX_SAFE_INTEGER))
    this.changed()
  }
}

function toUi(m: MessageRecord): UiMessage {
  return {
    id: m.id,
    conversation: m.conversation,
    from: m.from,
    text: m.text,
    sentAt: m.sentAt,
    direction: m.direction,
    delivery: m.direction === 'out' ? 'sent' : 'received',
    ...(m.kind ? { kind: m.kind } : {}),
    ...(m.archive ? { archive: m.archive } : {}),
    ...(m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
    ...(m.failedFor ? { failedFor: m.failedFor } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(m.transferred ? { transferred: true as const } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    ...(m.edited ? { edited: true } : {}),
    ...(m.deleted ? { deleted: true } : {}),
    ...(m.reactions ? { reactions: m.reactions } : {}),
    ...(m.mentioned ? { mentioned: true } : {}),
    ...(m.status === 'delivered' || m.status === 'read' ? { receipt: m.status } : {}),
  }
}

/** User names as a person typed them (blank entries skipped), as user ids; throws naming a bad one. */
function typedUsers(names: readonly string[]): string[] {
  return names.filter((n) => n.trim() !== '').map((n) => normaliseUserName(n, 'user name'))
}
