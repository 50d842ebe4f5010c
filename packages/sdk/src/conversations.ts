// The device's conversations: MLS group state (persisted after every change) and a little
// metadata per group — which conversation it belongs to, its status, timer and whether the person
// hid it. The message history is the conversation's MessageLog (message-log.ts); the records
// themselves are described in message-record.ts.
import { epochOf, leaves, loadState, saveState, type GroupState, type MlsConfig } from '@candor/crypto'
import type { LocalStore } from './local-store.ts'
import { MessageLog } from './message-log.ts'
import type { MessageRecord } from './message-record.ts'
import type { SearchIndex } from './search/search-index.ts'

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

export interface Conversation {
  meta: ConversationMeta
  state: GroupState
}

export class Conversations {
  readonly #store: LocalStore
  readonly #config: MlsConfig
  readonly #open = new Map<string, Conversation>()
  /** Groups whose state in memory is newer than the stored one (defer()). */
  readonly #unsaved = new Set<string>()
  #loaded = false
  /** Groups this device made and is still inviting everyone into (a reset's new group): sends wait. */
  readonly #forming = new Map<string, Promise<void>>()
  /** Groups this device asked to reset → the group that replaced them (undefined: the reset was refused). */
  readonly #resets = new Map<string, Promise<string | undefined>>()
  /** The history: records, inbox, deliveries handled, imports and the search index (message-log.ts). */
  readonly #log: MessageLog

  /** `index`: the device's search index, kept in step with the history (search/search-index.ts). */
  constructor(store: LocalStore, config: MlsConfig, index?: SearchIndex) {
    this.#store = store
    this.#config = config
    this.#log = new MessageLog(store, index)
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
      await this.#log.loadGroup(id)
    }
    await this.#log.loadInbox()
    this.#loaded = true
    await this.expire(Date.now())
    await this.searchIndex()
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

  /**
   * Stores a record once (MessageLog.record); a conversation the person hid comes back to their
   * list with it.
   */
  async record(m: MessageRecord): Promise<boolean> {
    if (!(await this.#log.record(m))) return false
    await this.#unhide(m.conversation)
    return true
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
    await this.#log.eraseConversation(conversation, () => [...this.#open.values()].filter((c) => (c.meta.conversation ?? c.meta.id) === conversation).map((c) => c.meta.id))
  }

  // ---- the history, kept by the MessageLog (message-log.ts) ----

  searchIndex(): Promise<SearchIndex | undefined> {
    return this.#log.searchIndex()
  }
  hasSeen(messageId: string): boolean {
    return this.#log.hasSeen(messageId)
  }
  processed(conversation: string, messageId: string): boolean {
    return this.#log.processed(conversation, messageId)
  }
  markProcessed(conversation: string, messageId: string): Promise<void> {
    return this.#log.markProcessed(conversation, messageId)
  }
  isOwn(id: string): boolean {
    return this.#log.isOwn(id)
  }
  reindex(changed: readonly MessageRecord[], removed: readonly string[] = []): Promise<void> {
    return this.#log.reindex(changed, removed)
  }
  history(id: string): Promise<MessageRecord[]> {
    return this.#log.history(id)
  }
  importHistory(conversation: string, records: readonly MessageRecord[], members: readonly string[] = []): Promise<number> {
    return this.#log.importHistory(conversation, records, members)
  }
  importedConversations(): Promise<string[]> {
    return this.#log.importedConversations()
  }
  importedMembers(conversation: string): Promise<string[]> {
    return this.#log.importedMembers(conversation)
  }
  inbox(): Promise<MessageRecord[]> {
    return this.#log.inbox()
  }
  find(conversation: string, id: string): Promise<MessageRecord | undefined> {
    return this.#log.find(conversation, id)
  }
  erase(conversation: string, id: string): Promise<void> {
    return this.#log.erase(conversation, id)
  }
  wipeHistory(): Promise<void> {
    return this.#log.wipeHistory()
  }
  expire(now: number): Promise<Map<string, string[]>> {
    return this.#log.expire(now)
  }
}
