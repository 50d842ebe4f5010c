// The device's conversations: MLS group state (persisted after every change), a little
// metadata, and the message history as a log per conversation, appended to as messages come
// and rewritten without the records whose disappearing timer has run out.
import type { AttachmentRef, ReplyRef, UndecryptableContent } from '@candor/protocol'
import { epochOf, leaves, loadState, saveState, type GroupState, type MlsConfig } from '@candor/crypto'
import type { LocalStore } from './local-store.ts'
import { isSearchable, type SearchIndex } from './search/search-index.ts'
import { SerialLock } from './serial-lock.ts'

/** 'reset': the conversation moved on to a new group (`resetTo`); this group is no longer used. */
export type ConversationStatus = 'active' | 'removed' | 'left' | 'reset'

/** The conversation's disappearing timer as this device knows it. */
export interface TimerSetting {
  /** null: messages do not disappear. */
  ms: number | null
  /** The member who set it (from the end-to-end-encrypted timer message), or null if learnt from the server on joining. */
  setBy: string | null
  setAt: number
}

export interface ConversationMeta {
  id: string
  createdAt: number
  status: ConversationStatus
  /** Absent: no timer was ever set or learnt (the same as off). */
  timer?: TimerSetting
  /**
   * The conversation this MLS group belongs to (docs/protocol.md §5.4), when it is not the
   * group's own id: a group made by a reset keeps its conversation's id.
   */
  conversation?: string
  /** For status 'reset': the group that replaced this one. */
  resetTo?: string
  /** When the person hid it from their list (ms); a message arriving later shows it again. */
  hiddenAt?: number
}

export interface MessageRecord {
  id: string
  conversation: string
  from: string
  fromDevice: string
  /**
   * For a notice (kind 'timer') or a content this version cannot show (kind 'unsupported'), a
   * sentence describing it, so readers that ignore `kind` still show something true.
   */
  text: string
  sentAt: number
  receivedAt: number
  direction: 'in' | 'out'
  /**
   * Absent for a message a person wrote; 'timer' for the notice that a member changed the
   * disappearing timer; 'unsupported' for a message this version cannot show (sent by a newer
   * version, or of a type not implemented here), kept so that it is never dropped silently;
   * 'undecryptable' for the notice that a message could not be processed by this device
   * (`undecryptable` says which and why; its id is the delivery's message id); 'rejoined' for the
   * notice that this device rejoined the group by an external commit (rejoin.ts).
   */
  kind?: 'timer' | 'unsupported' | 'undecryptable' | 'reset' | 'rejoined' | 'members' | 'conversation' | 'left' | 'archive'
  /** For kind 'archive': the archive member's announcement, "Archived by <org>, policy v<N>" (docs/protocol.md §11.3). */
  archive?: { org: string; policyVersion: number }
  /** For kind 'timer': the timer set, in ms; null when turned off. */
  timerMs?: number | null
  /** For kind 'undecryptable': the message this device could not process, and why. */
  undecryptable?: UndecryptableNotice
  /** For kind 'reset': the group left behind and who was left out of the new one (docs/protocol.md §5.4). */
  reset?: ResetNotice
  /**
   * On this device's own messages, 'failed' once a recipient device reported it could not
   * decrypt it (`failedFor` lists them); absent otherwise (sent). Not stored in the record:
   * history() and inbox() add it.
   */
  status?: 'failed' | 'sent' | 'delivered' | 'read'
  failedFor?: FailedFor[]
  /** A reply: the message it quotes (docs/protocol.md §2 `replyTo`). */
  replyTo?: ReplyRef
  /** Users the message mentions; `mentioned`: this person is one of them (highlight it). */
  mentions?: string[]
  mentioned?: boolean
  /** For kind 'members': who was added and removed; kind 'conversation': the new name/topic. */
  members?: { added: string[]; removed: string[] }
  /** For kind 'members' when a person's devices were swapped (a recovered device took an old one's place, docs/protocol.md §5.2): which. */
  device?: { user: string; added: string[]; removed: string[] }
  renamed?: { name?: string | null; topic?: string | null }
  /*
   * The fields below are not stored in the record: history() and inbox() add them from the
   * message's state (message-state.ts).
   */
  /** Edited by its sender: the latest text is `text`, the earlier ones (oldest first) `previousTexts`. */
  edited?: boolean
  editedAt?: number
  previousTexts?: string[]
  /** Deleted for everyone by its sender: text, attachments and reactions are gone. */
  deleted?: boolean
  /** Reactions: emoji → the users who reacted with it. */
  reactions?: Record<string, string[]>
  /** On this person's own messages: each recipient user's delivered/read state. */
  receipts?: Record<string, 'delivered' | 'read'>
  /** When this device deletes the record (ms since the epoch): its sentAt plus the timer it was sent under. */
  expiresAt?: number
  /** Files sent with the message (docs/protocol.md §2), with the keys to download and decrypt them. */
  attachments?: AttachmentRef[]
  /**
   * The record came in a history archive (another device of the person's, or their backup), not
   * from the conversation itself: show it marked as transferred (docs/protocol.md §4.2).
   */
  transferred?: true
  /** Only in inbox(): the record's position in this device's inbox, unchanged when expired records are deleted. */
  seq?: number
}

/** What a device could not process (docs/protocol.md §2 `undecryptable`, seen from the device that failed). */
export interface UndecryptableNotice {
  messageId: string
  sender: string
  /** The epoch in the message's header, or this device's epoch when the header has none. */
  epoch: number
  kind: UndecryptableContent['target']['kind']
  reason: UndecryptableContent['reason']
  /** Whether this device told the sender (false: it could not send in the group, or it was rate-limited). */
  reported: boolean
}

export interface ResetNotice {
  previousGroup: string
  group: string
  leftOut: Array<{ userId: string; deviceId: string }>
  reason: string
}

/** A recipient device that reported it could not decrypt one of this device's messages. */
export interface FailedFor {
  userId: string
  deviceId: string
  reason: UndecryptableContent['reason']
}

export interface Conversation {
  meta: ConversationMeta
  state: GroupState
}

const INBOX = 'inbox'
/** Per group, the ids of the last deliveries processed without leaving a record (see markProcessed). */
const PROCESSED = 'processed/'
const PROCESSED_KEPT = 256
/** The next inbox seq, saved when expiry deletes records (the newest may be among them). */
const INBOX_NEXT = 'inbox-next'
/** Per conversation with history from an archive (a transfer or the backup): its members as the archive named them. */
const IMPORTED = 'imported/'

export function isExpired(m: Pick<MessageRecord, 'expiresAt'>, now: number): boolean {
  return m.expiresAt !== undefined && m.expiresAt <= now
}

export class Conversations {
  readonly #store: LocalStore
  readonly #config: MlsConfig
  readonly #open = new Map<string, Conversation>()
  readonly #seen = new Set<string>()
  /** Ids of the records this person sent (from any of their devices): what receipts are about. */
  readonly #own = new Set<string>()
  readonly #processed = new Map<string, string[]>()
  /** Groups whose state in memory is newer than the stored one (defer()). */
  readonly #unsaved = new Set<string>()
  /** Appends and rewrites of the logs, one at a time, so a rewrite never loses an append. */
  readonly #logLock = new SerialLock()
  /** The earliest expiresAt of any stored record: the sweep does nothing before it. */
  #nextExpiry = Number.POSITIVE_INFINITY
  #inboxNext: number | undefined
  #loaded = false
  /** Groups this device made and is still inviting everyone into (a reset's new group): sends wait. */
  readonly #forming = new Map<string, Promise<void>>()
  /** Groups this device asked to reset → the group that replaced them (undefined: the reset was refused). */
  readonly #resets = new Map<string, Promise<string | undefined>>()
  readonly #index: SearchIndex | undefined

  /** `index`: the device's search index, kept in step with the history (search/search-index.ts). */
  constructor(store: LocalStore, config: MlsConfig, index?: SearchIndex) {
    this.#store = store
    this.#config = config
    this.#index = index
  }

  /** The device's search index, built from the history it holds the first time it is used. */
  async searchIndex(): Promise<SearchIndex | undefined> {
    const index = this.#index
    if (!index || (await index.ready())) return index
    await this.#logLock.run(async () => {
      if (await index.ready()) return
      const now = Date.now()
      const all = (await this.#store.lines(INBOX)).map((l) => JSON.parse(l) as MessageRecord).filter((m) => isSearchable(m) && !isExpired(m, now))
      await index.add(all.map(({ seq: _seq, ...m }) => m))
    })
    return index
  }

  /** Loads every conversation and deletes the records that expired meanwhile. */
  async load(): Promise<void> {
    if (this.#loaded) return
    for (const key of await this.#store.keys('conv/')) {
      const id = key.slice('conv/'.length)
      const meta = JSON.parse((await this.#store.get(key))!) as ConversationMeta
      const encoded = await this.#store.get(`state/${id}`)
      if (!encoded) continue
      this.#open.set(id, { meta, state: loadState(encoded, this.#config) })
      for (const line of await this.#store.lines(`history/${id}`)) this.#note(JSON.parse(line) as MessageRecord)
      const processed = await this.#store.get(PROCESSED + id)
      if (processed) this.#processed.set(id, JSON.parse(processed) as string[])
    }
    // The inbox may hold records of a conversation whose state is gone.
    for (const line of await this.#store.lines(INBOX)) this.#note(JSON.parse(line) as MessageRecord)
    this.#loaded = true
    await this.expire(Date.now())
    await this.searchIndex()
  }

  #note(m: MessageRecord): void {
    this.#seen.add(m.id)
    if (m.direction === 'out') this.#own.add(m.id)
    if (m.expiresAt !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, m.expiresAt)
  }

  get(id: string): Conversation | undefined {
    return this.#open.get(id)
  }

  /**
   * Marks a group this device is still populating until `done` settles. A message sent into it
   * before the commit that adds the others would reach nobody (its only member is this device)
   * and be "sent"; sendContent waits for ready() instead.
   */
  forming(groupId: string, done: Promise<unknown>): void {
    const p = done.then(
      () => undefined,
      () => undefined,
    )
    this.#forming.set(groupId, p)
    void p.then(() => {
      if (this.#forming.get(groupId) === p) this.#forming.delete(groupId)
    })
  }

  /**
   * This device is resetting `groupId` from now on (docs/protocol.md §5.4, "No acknowledged
   * message is lost to a reset"): a send into it answered after this may have been stored after
   * the reset, when the others had left; Messaging.send then sends it again in `done`'s group.
   */
  resetting(groupId: string, done: Promise<string>): void {
    this.#resets.set(
      groupId,
      done.then(
        (g) => g,
        () => undefined,
      ),
    )
  }

  /** The group this device's reset of `groupId` made (once formed), if this device started one; undefined if it never did. */
  resetBy(groupId: string): Promise<string | undefined> | undefined {
    return this.#resets.get(groupId)
  }

  /** Resolves once the group is no longer being populated (at once for any other). */
  ready(groupId: string): Promise<void> {
    return this.#forming.get(groupId) ?? Promise.resolve()
  }

  /** The conversation an MLS group belongs to: its own id unless a reset made it (§5.4). */
  conversationOf(groupId: string): string {
    return this.#open.get(groupId)?.meta.conversation ?? groupId
  }

  /**
   * The MLS group a conversation uses now: of the groups this device holds for it, an active
   * one (the newest), else the newest; the id itself when it holds none.
   */
  groupOf(conversation: string): string {
    let best: Conversation | undefined
    for (const c of this.#open.values()) {
      if ((c.meta.conversation ?? c.meta.id) !== conversation) continue
      const rank = (x: Conversation) => (x.meta.status === 'active' ? 1 : 0)
      if (!best || rank(c) > rank(best) || (rank(c) === rank(best) && c.meta.createdAt >= best.meta.createdAt)) best = c
    }
    return best?.meta.id ?? conversation
  }

  list(): Conversation[] {
    return [...this.#open.values()].sort((a, b) => a.meta.createdAt - b.meta.createdAt || a.meta.id.localeCompare(b.meta.id))
  }

  async save(id: string, state: GroupState, meta?: Partial<ConversationMeta>): Promise<Conversation> {
    const prev = this.#open.get(id)
    const m: ConversationMeta = { ...(prev?.meta ?? { id, createdAt: Date.now(), status: 'active' }), ...meta }
    // Written now, this state supersedes any deferred one of the group (it is newer).
    this.#unsaved.delete(id)
    await this.#store.put(`state/${id}`, saveState(state))
    if (!prev || meta) await this.#store.put(`conv/${id}`, JSON.stringify(m))
    const c = { meta: m, state }
    this.#open.set(id, c)
    return c
  }

  /**
   * Keeps a group's new state in memory only, to be written by the next saveDeferred() — for
   * application messages, whose deliveries are acknowledged only after that write
   * (delivery-queue.ts): one write per batch of deliveries instead of one per message. A crash
   * before the write leaves the older state, with every delivery it has not saved still
   * unacknowledged; they come again and are recognised by their message ids (markProcessed, the
   * history), never applied twice, and the older state still decrypts what comes after them.
   */
  defer(id: string, state: GroupState): void {
    const prev = this.#open.get(id)
    if (!prev) throw new Error(`no conversation ${id} to defer a state of`)
    this.#open.set(id, { meta: prev.meta, state })
    this.#unsaved.add(id)
  }

  /** Writes every state kept by defer() (the caller holds the MLS lock). */
  async saveDeferred(): Promise<void> {
    for (const id of [...this.#unsaved]) {
      const c = this.#open.get(id)
      if (c) await this.#store.put(`state/${id}`, saveState(c.state))
      this.#unsaved.delete(id)
    }
  }

  /** Whether some group's state is held in memory only (defer()). */
  get hasDeferred(): boolean {
    return this.#unsaved.size > 0
  }

  /** Stores a new disappearing timer for a conversation this device holds. */
  async setTimer(id: string, timer: TimerSetting): Promise<void> {
    const c = this.#open.get(id)
    if (!c) return
    c.meta = { ...c.meta, timer }
    await this.#store.put(`conv/${id}`, JSON.stringify(c.meta))
  }

  /** The conversation's timer in ms, null when off or unknown. */
  timerMs(id: string): number | null {
    return this.#open.get(id)?.meta.timer?.ms ?? null
  }

  epoch(id: string): number {
    const c = this.#open.get(id)
    return c ? epochOf(c.state) : -1
  }

  /** The users in a group this device holds (from its MLS tree), none when it holds no such group. */
  members(id: string): string[] {
    const c = this.#open.get(id)
    return c ? [...new Set(leaves(c.state).map((l) => l.userId))] : []
  }

  /** Conversations whose members are exactly these users. */
  withUsers(users: ReadonlySet<string>): Conversation[] {
    return this.list().filter((c) => {
      if (c.meta.status !== 'active') return false
      const u = new Set(leaves(c.state).map((l) => l.userId))
      return u.size === users.size && [...users].every((x) => u.has(x))
    })
  }

  hasSeen(messageId: string): boolean {
    return this.#seen.has(messageId)
  }

  /**
   * True once a delivery with this message id was handled in this group: it left a record
   * under that id, or was marked processed. A redelivery (its acknowledgement was lost) is
   * then not processed again — its MLS keys are used up, so it would not decrypt twice.
   */
  processed(conversation: string, messageId: string): boolean {
    return this.#seen.has(messageId) || (this.#processed.get(conversation)?.includes(messageId) ?? false)
  }

  /**
   * Remembers a delivery handled without a record under its id. Call it after the delivery's
   * effects are stored and before the MLS state it advanced is saved: a crash in between then
   * leaves an older state (harmless: later messages still decrypt), never a message processed twice.
   */
  async markProcessed(conversation: string, messageId: string): Promise<void> {
    if (this.processed(conversation, messageId)) return
    const ids = [...(this.#processed.get(conversation) ?? []), messageId].slice(-PROCESSED_KEPT)
    await this.#store.put(PROCESSED + conversation, JSON.stringify(ids))
    this.#processed.set(conversation, ids)
  }

  /**
   * Stores a record once; one that has already expired is only remembered as seen, never
   * stored. It counts as seen only once stored: a record whose write failed is written again
   * when its delivery is retried (history() shows a line written twice once).
   */
  async record(m: MessageRecord): Promise<boolean> {
    if (this.#seen.has(m.id)) return false
    if (isExpired(m, Date.now())) {
      this.#seen.add(m.id)
      return false
    }
    await this.#logLock.run(async () => {
      const seq = await this.#nextSeq()
      await this.#store.append(`history/${m.conversation}`, JSON.stringify(m))
      await this.#store.append(INBOX, JSON.stringify({ ...m, seq }))
      if (m.expiresAt !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, m.expiresAt)
      if (this.#index && isSearchable(m)) await this.#index.add([m])
    })
    this.#seen.add(m.id)
    if (m.direction === 'out') this.#own.add(m.id)
    await this.#unhide(m.conversation)
    return true
  }

  /**
   * Whether this device holds a record with this id that this person sent: a receipt about any
   * other message is not theirs to apply, and is dismissed without reading the history (in a
   * large group most receipts are about other members' messages).
   */
  isOwn(id: string): boolean {
    return this.#own.has(id)
  }

  /** A conversation the person hid comes back to their list with its next message. */
  async #unhide(conversation: string): Promise<void> {
    for (const c of this.#open.values()) {
      if ((c.meta.conversation ?? c.meta.id) !== conversation || c.meta.hiddenAt === undefined) continue
      const { hiddenAt: _hidden, ...meta } = c.meta
      c.meta = meta
      await this.#store.put(`conv/${c.meta.id}`, JSON.stringify(c.meta))
    }
  }

  /** Whether the person hid the conversation from their list (and nothing came since). */
  hidden(conversation: string): boolean {
    const groups = [...this.#open.values()].filter((c) => (c.meta.conversation ?? c.meta.id) === conversation)
    return groups.length > 0 && groups.every((c) => c.meta.hiddenAt !== undefined)
  }

  /**
   * Hides a conversation from the person's list on this device; with `erase`, also deletes its
   * history here (records, inbox lines and search index entries), nothing of it left behind.
   */
  async hide(conversation: string, erase: boolean): Promise<void> {
    const at = Date.now()
    for (const c of this.#open.values()) {
      if ((c.meta.conversation ?? c.meta.id) !== conversation) continue
      c.meta = { ...c.meta, hiddenAt: at }
      await this.#store.put(`conv/${c.meta.id}`, JSON.stringify(c.meta))
    }
    if (!erase) return
    await this.#logLock.run(async () => {
      const groups = [...this.#open.values()].filter((c) => (c.meta.conversation ?? c.meta.id) === conversation).map((c) => c.meta.id)
      for (const g of new Set([conversation, ...groups])) await this.#store.rewrite(`history/${g}`, [])
      const lines = await this.#store.lines(INBOX)
      const kept = lines.map((l, i) => [l, JSON.parse(l) as MessageRecord, i] as const).filter(([, m]) => m.conversation !== conversation)
      if (kept.length !== lines.length) {
        const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as MessageRecord).seq : undefined
        this.#inboxNext = Math.max(this.#inboxNext ?? 0, last === undefined ? lines.length : last + 1)
        await this.#store.put(INBOX_NEXT, String(this.#inboxNext))
        await this.#store.rewrite(INBOX, kept.map(([l, m, i]) => (m.seq === undefined ? JSON.stringify({ ...m, seq: i }) : l)))
      }
      await this.#index?.removeConversation(conversation)
    })
  }

  /** Keeps the search index in step when a record's text changes (an edit) or it is deleted for everyone. */
  async reindex(changed: readonly MessageRecord[], removed: readonly string[] = []): Promise<void> {
    if (!this.#index) return
    if (removed.length > 0) await this.#index.remove(removed)
    const add = changed.filter(isSearchable)
    if (add.length > 0) await this.#index.add(add)
  }

  async #nextSeq(): Promise<number> {
    if (this.#inboxNext === undefined) {
      const lines = await this.#store.lines(INBOX)
      const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as MessageRecord).seq : undefined
      this.#inboxNext = Math.max(Number((await this.#store.get(INBOX_NEXT)) ?? 0), last === undefined ? lines.length : last + 1)
    }
    return this.#inboxNext++
  }

  async history(id: string): Promise<MessageRecord[]> {
    const now = Date.now()
    const ids = new Set<string>()
    return (await this.#store.lines(`history/${id}`))
      .map((l) => JSON.parse(l) as MessageRecord)
      .filter((m) => !isExpired(m, now) && !ids.has(m.id) && ids.add(m.id))
  }

  /**
   * Adds records from a history archive to the conversation's history, marked `transferred`, in
   * the order they were sent among those already here (records this device has are skipped), and
   * to the inbox. Returns how many were new.
   */
  async importHistory(conversation: string, records: readonly MessageRecord[], members: readonly string[] = []): Promise<number> {
    const now = Date.now()
    const fresh = records.filter((m) => !this.#seen.has(m.id) && !isExpired(m, now))
    if (fresh.length === 0) return 0
    await this.#store.put(`${IMPORTED}${conversation}`, JSON.stringify({ members: [...new Set(members)].sort() }))
    return this.#logLock.run(async () => {
      const log = `history/${conversation}`
      const have = (await this.#store.lines(log)).map((l) => JSON.parse(l) as MessageRecord)
      const ids = new Set(have.map((m) => m.id))
      const added = fresh.filter((m) => !ids.has(m.id) && ids.add(m.id)).map((m): MessageRecord => {
        const { seq: _seq, status: _status, failedFor: _failedFor, ...kept } = m
        return { ...kept, conversation, transferred: true }
      })
      const merged = [...have, ...added].sort((a, b) => a.sentAt - b.sentAt)
      await this.#store.rewrite(log, merged.map((m) => JSON.stringify(m)))
      for (const m of added) {
        await this.#store.append(INBOX, JSON.stringify({ ...m, seq: await this.#nextSeq() }))
        if (m.expiresAt !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, m.expiresAt)
        this.#seen.add(m.id)
        if (m.direction === 'out') this.#own.add(m.id)
      }
      return added.length
    })
  }

  /** Conversations with history from an archive, and their members as the archive named them. */
  async importedConversations(): Promise<string[]> {
    return (await this.#store.keys(IMPORTED)).map((k) => k.slice(IMPORTED.length))
  }

  async importedMembers(conversation: string): Promise<string[]> {
    const raw = await this.#store.get(`${IMPORTED}${conversation}`)
    return raw ? (JSON.parse(raw) as { members: string[] }).members : []
  }

  /** All messages in arrival order, each with its inbox seq, for readers that keep a cursor (the CLI's `read`). */
  async inbox(): Promise<MessageRecord[]> {
    const now = Date.now()
    // Records from before seqs were kept have their line number, which is what they had then.
    return (await this.#store.lines(INBOX))
      .map((l, i) => ({ seq: i, ...(JSON.parse(l) as MessageRecord) }))
      .filter((m) => !isExpired(m, now))
  }

  /** The record with this id in a conversation's history, if this device holds it. */
  async find(conversation: string, id: string): Promise<MessageRecord | undefined> {
    if (!this.#seen.has(id)) return undefined
    const lines = await this.#store.lines(`history/${conversation}`)
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = JSON.parse(lines[i]!) as MessageRecord
      if (m.id === id) return m
    }
    return undefined
  }

  /**
   * Erases a record's contents (a delete for everyone): its text, attachments, quote and
   * mentions are gone from the history and the inbox, rewritten at once; the record stays as
   * the place where the message was.
   */
  erase(conversation: string, id: string): Promise<void> {
    return this.#logLock.run(async () => {
      const blank = (line: string): string => {
        const m = JSON.parse(line) as MessageRecord
        if (m.id !== id || m.conversation !== conversation) return line
        const { attachments: _a, replyTo: _r, mentions: _m, mentioned: _d, ...rest } = m
        return JSON.stringify({ ...rest, text: '' })
      }
      for (const log of [`history/${conversation}`, INBOX]) {
        const lines = await this.#store.lines(log)
        const next = lines.map(blank)
        if (next.some((l, i) => l !== lines[i])) await this.#store.rewrite(log, next)
      }
      // Deleted for everyone: its words leave the device's search index with it.
      await this.#index?.remove([id])
    })
  }

  /** Deletes every history and the inbox of this device (account erasure). */
  wipeHistory(): Promise<void> {
    return this.#logLock.run(async () => {
      for (const key of await this.#store.keys('conv/')) await this.#store.rewrite(`history/${key.slice('conv/'.length)}`, [])
      for (const key of await this.#store.keys(IMPORTED)) {
        await this.#store.rewrite(`history/${key.slice(IMPORTED.length)}`, [])
        await this.#store.delete(key)
      }
      await this.#store.rewrite(INBOX, [])
      await this.#index?.clear()
      this.#seen.clear()
      this.#own.clear()
      this.#processed.clear()
    })
  }

  /**
   * Deletes every record whose timer has run out from the histories and the inbox; returns
   * the deleted ids by conversation. Cheap when nothing is due: it reads nothing before the
   * earliest expiry it knows of.
   */
  expire(now: number): Promise<Map<string, string[]>> {
    if (now < this.#nextExpiry) return Promise.resolve(new Map())
    return this.#logLock.run(async () => {
      const gone = new Map<string, string[]>()
      const unindex: string[] = []
      let next = Number.POSITIVE_INFINITY
      const prune = async (log: string, withSeq: boolean): Promise<void> => {
        const lines = await this.#store.lines(log)
        const kept: string[] = []
        let dropped = false
        lines.forEach((line, i) => {
          const m = JSON.parse(line) as MessageRecord
          if (isExpired(m, now)) {
            dropped = true
            unindex.push(m.id)
            if (!withSeq) gone.set(m.conversation, [...(gone.get(m.conversation) ?? []), m.id])
            return
          }
          if (m.expiresAt !== undefined) next = Math.min(next, m.expiresAt)
          // Old inbox lines get their line number as seq before any line before them goes.
          kept.push(withSeq && m.seq === undefined ? JSON.stringify({ ...m, seq: i }) : line)
        })
        if (!dropped) return
        if (withSeq) {
          const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as MessageRecord).seq : undefined
          this.#inboxNext = Math.max(this.#inboxNext ?? 0, last === undefined ? lines.length : last + 1)
          await this.#store.put(INBOX_NEXT, String(this.#inboxNext))
        }
        await this.#store.rewrite(log, kept)
      }
      for (const key of await this.#store.keys('conv/')) await prune(`history/${key.slice('conv/'.length)}`, false)
      await prune(INBOX, true)
      // A record that disappears leaves the search index with it.
      if (this.#index && unindex.length > 0) await this.#index.remove([...new Set(unindex)])
      this.#nextExpiry = next
      return gone
    })
  }
}
