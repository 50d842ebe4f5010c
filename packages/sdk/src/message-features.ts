// Conversation features on top of plain messages (docs/protocol.md §2 version 2): replies,
// edits, deletes for everyone, reactions, mentions, delivered/read receipts, conversation
// names and topics, membership lines, and device-local pins and mutes. Sending builds the
// content and hands it to Messaging.sendContent; applying checks who may do what against
// the MLS-authenticated sender — an edit or delete from anyone but the target's sender user,
// or about a message of another conversation, is ignored and shows nothing. Typing indicators
// are in typing.ts.
import { CandorError, CONTENT_LIMITS, newMessageId, type Content, type ConversationContent, type DeliverFrame, type MembersContent, type ReplyRef, type Thumbnail } from '@candor/protocol'
import { leaves, type Leaf } from '@candor/crypto'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import type { LocalStore } from './local-store.ts'
import type { Outgoing } from './message-content.ts'
import { MessageStates } from './message-state.ts'
import { expiresAt } from './data/retention.ts'

export interface MessageFeaturesDeps {
  store: LocalStore
  conversations: Conversations
  me: { userId: string; deviceId: string }
  /** Sends a content into an MLS group (Messaging.sendContent); resolves to the server's time. */
  send(group: string, content: Outgoing): Promise<number>
  /** Sends a text (Messaging.send) with the extra fields of a reply or mentions. */
  sendText(group: string, text: string, extra: { replyTo?: ReplyRef; mentions?: string[] }): Promise<MessageRecord>
  /** Whether the device can send now (connected). */
  connected(): boolean
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** How delivered receipts are coalesced in large groups (docs/protocol.md §2 `receipt`). */
  receipts?: ReceiptOptions | undefined
}

/** Delivered receipts in large groups (docs/protocol.md §2 `receipt`). */
export interface ReceiptOptions {
  /** Groups with more members than this coalesce their delivered receipts (default 20). */
  largeGroupMembers?: number
  /** Over how long, at most (ms; default 5 000): each batch waits between half of it and all of it. */
  largeGroupDelayMs?: number
}

export const LARGE_GROUP_MEMBERS = 20
export const LARGE_GROUP_RECEIPT_MS = 5_000

export interface ConversationInfo {
  name: string | null
  topic: string | null
  /** The conversation's picture (a thumbnail inline in the members' `conversation` messages). */
  avatar: Thumbnail | null
  pinned: boolean
  muted: boolean
}

interface StoredInfo {
  name: string | null
  topic: string | null
  avatar?: Thumbnail | null
  /** The server time and id of the message that set each (the latest wins). */
  nameAt?: { at: number; id: string }
  topicAt?: { at: number; id: string }
  avatarAt?: { at: number; id: string }
}

const INFO = 'convinfo/'
const PREFS = 'convprefs/'
const READ = 'readmark/'
const SETTINGS = 'settings/read-receipts'
const RECEIPT_DELAY_MS = 200

// Contents are built from strings the caller gave and cast to the branded types: Messaging's
// encodeOutgoing runs them through the protocol's decoder before anything is sent, so an id,
// user or emoji the format refuses changes nothing.

function excerptOf(text: string): string {
  return [...text].slice(0, CONTENT_LIMITS.excerptChars).join('')
}

export class MessageFeatures {
  readonly #d: MessageFeaturesDeps
  readonly states: MessageStates
  /** Delivered receipts waiting to go, by group, each group with its own timer. */
  readonly #delivered = new Map<string, Set<string>>()
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()
  /** Set by close(): what fails after it is the closing, not worth an alert. */
  #closed = false
  #flushing: Promise<void> = Promise.resolve()
  readonly #info = new Map<string, StoredInfo>()
  readonly #prefs = new Map<string, { pinned: boolean; muted: boolean }>()
  #readReceipts = true

  constructor(deps: MessageFeaturesDeps) {
    this.#d = deps
    this.states = new MessageStates(deps.store)
  }

  async load(): Promise<void> {
    const { store } = this.#d
    for (const key of await store.keys(INFO)) this.#info.set(key.slice(INFO.length), JSON.parse((await store.get(key))!) as StoredInfo)
    for (const key of await store.keys(PREFS)) this.#prefs.set(key.slice(PREFS.length), JSON.parse((await store.get(key))!) as { pinned: boolean; muted: boolean })
    this.#readReceipts = (await store.get(SETTINGS)) !== 'off'
  }

  close(): void {
    this.#closed = true
    for (const t of this.#timers.values()) clearTimeout(t)
    this.#timers.clear()
    this.#delivered.clear()
  }

  // ---- sending ----

  async #own(conversation: string, id: string): Promise<MessageRecord> {
    const m = await this.#d.conversations.find(conversation, id)
    if (!m) throw new CandorError('not_found', `no message ${id} in this conversation on this device`)
    return m
  }

  async #target(conversation: string, id: string, mine: boolean): Promise<MessageRecord> {
    const m = await this.#own(conversation, id)
    if (m.kind !== undefined) throw new CandorError('bad_request', 'that is a notice, not a message')
    if ((await this.states.get(id)).deleted) throw new CandorError('bad_request', 'that message was deleted')
    if (mine && m.from !== this.#d.me.userId) throw new CandorError('forbidden', 'only its sender can edit or delete a message')
    return m
  }

  /** Sends a text quoting message `replyTo` (an excerpt of it) and/or mentioning users. */
  async sendText(group: string, text: string, opts: { replyTo?: string; mentions?: readonly string[] }): Promise<MessageRecord> {
    const conversation = this.#d.conversations.conversationOf(group)
    const extra: { replyTo?: ReplyRef; mentions?: string[] } = {}
    if (opts.replyTo !== undefined) {
      const t = await this.#target(conversation, opts.replyTo, false)
      extra.replyTo = { id: t.id as ReplyRef['id'], from: t.from as ReplyRef['from'], excerpt: excerptOf(t.text) }
    }
    if (opts.mentions && opts.mentions.length > 0) extra.mentions = [...new Set(opts.mentions)]
    return this.#d.sendText(group, text, extra)
  }

  async edit(group: string, id: string, text: string, mentions?: readonly string[]): Promise<void> {
    const conversation = this.#d.conversations.conversationOf(group)
    const target = await this.#target(conversation, id, true)
    const content = { type: 'edit', id: newMessageId(), sentAt: Date.now(), target: id, text, ...(mentions && mentions.length > 0 ? { mentions: [...mentions] } : {}) } as unknown as Outgoing
    const at = await this.#d.send(group, content)
    await this.states.edit(id, text, at, mentions)
    await this.#d.conversations.reindex([{ ...target, text }], [id])
    this.#d.emit('update', { conversation, id })
  }

  async delete(group: string, id: string): Promise<void> {
    const conversation = this.#d.conversations.conversationOf(group)
    await this.#target(conversation, id, true)
    const at = await this.#d.send(group, { type: 'delete', id: newMessageId(), sentAt: Date.now(), target: id } as unknown as Outgoing)
    await this.#erase(conversation, id, at)
  }

  async react(group: string, id: string, emoji: string, on: boolean): Promise<void> {
    const conversation = this.#d.conversations.conversationOf(group)
    await this.#target(conversation, id, false)
    // The format refuses a bad emoji (encodeContent) before anything is sent or changed.
    await this.#d.send(group, { type: 'reaction', id: newMessageId(), sentAt: Date.now(), target: id, emoji, on } as unknown as Outgoing)
    if (await this.states.react(id, this.#d.me.userId, emoji, on)) this.#d.emit('update', { conversation, id })
  }

  /** Renames the conversation and/or sets its topic or picture (null clears). */
  async setInfo(group: string, change: { name?: string | null; topic?: string | null; avatar?: Thumbnail | null }): Promise<void> {
    if (change.name === undefined && change.topic === undefined && change.avatar === undefined) throw new CandorError('bad_request', 'give a name, a topic or a picture')
    const content = { type: 'conversation', id: newMessageId(), sentAt: Date.now(), ...change } as unknown as Outgoing
    const sentAt = await this.#d.send(group, content)
    await this.#applyInfo(group, this.#d.me.userId, this.#d.me.deviceId, content as ConversationContent, sentAt, 'out')
  }

  /** The committer's line after its commit: "X added Y", "X removed Y". */
  async membersChanged(group: string, added: readonly string[], removed: readonly string[]): Promise<void> {
    const me = this.#d.me.userId
    const a = [...new Set(added)].filter((u) => u !== me)
    const r = [...new Set(removed)].filter((u) => u !== me)
    if (a.length === 0 && r.length === 0) return
    const content = { type: 'members', id: newMessageId(), sentAt: Date.now(), added: a, removed: r } as unknown as Outgoing
    const sentAt = await this.#d.send(group, content)
    await this.#recordMembers(group, { userId: me, deviceId: this.#d.me.deviceId }, content as MembersContent, sentAt, 'out')
  }

  // ---- receipts ----

  get readReceipts(): boolean {
    return this.#readReceipts
  }

  /** Turns sending read receipts on or off (delivered receipts are always sent). */
  async setReadReceipts(on: boolean): Promise<void> {
    await this.#d.store.put(SETTINGS, on ? 'on' : 'off')
    this.#readReceipts = on
  }

  /**
   * The person has read the conversation: tells the senders (a `read` receipt per sender's
   * messages not yet marked read here), unless read receipts are off. Returns how many
   * messages it marked.
   */
  async markRead(group: string): Promise<number> {
    const { conversations, store, me } = this.#d
    const conversation = conversations.conversationOf(group)
    const done = new Set<string>(JSON.parse((await store.get(READ + conversation)) ?? '[]') as string[])
    const unread = (await conversations.history(conversation)).filter((m) => m.direction === 'in' && m.from !== me.userId && m.kind === undefined && !done.has(m.id))
    if (unread.length === 0) return 0
    if (this.#readReceipts) {
      // Read ranks above delivered: the delivered receipts still waiting for these need not go.
      const waiting = this.#delivered.get(group)
      for (const m of unread) waiting?.delete(m.id)
      for (let i = 0; i < unread.length; i += CONTENT_LIMITS.receiptIds) {
        const ids = unread.slice(i, i + CONTENT_LIMITS.receiptIds).map((m) => m.id)
        await this.#d.send(group, { type: 'receipt', id: newMessageId(), sentAt: Date.now(), kind: 'read', ids } as unknown as Outgoing)
      }
    }
    for (const m of unread) done.add(m.id)
    await store.put(READ + conversation, JSON.stringify([...done].slice(-2000)))
    return unread.length
  }

  /** Messages in the conversation from others this person has not marked read. */
  async unread(group: string): Promise<number> {
    const { conversations, store, me } = this.#d
    const conversation = conversations.conversationOf(group)
    const done = new Set<string>(JSON.parse((await store.get(READ + conversation)) ?? '[]') as string[])
    return (await conversations.history(conversation)).filter((m) => m.direction === 'in' && m.from !== me.userId && m.kind === undefined && !done.has(m.id)).length
  }

  /**
   * Queues a `delivered` receipt, sent shortly after, batched per group, outside the MLS lock;
   * in a large group over a longer, randomised window (docs/protocol.md §2 `receipt`).
   */
  #queueDelivered(group: string, id: string): void {
    const set = this.#delivered.get(group) ?? new Set<string>()
    set.add(id)
    this.#delivered.set(group, set)
    if (this.#timers.has(group)) return
    const large = this.#d.conversations.members(group).length > (this.#d.receipts?.largeGroupMembers ?? LARGE_GROUP_MEMBERS)
    const window = this.#d.receipts?.largeGroupDelayMs ?? LARGE_GROUP_RECEIPT_MS
    const delay = large ? window / 2 + Math.random() * (window / 2) : RECEIPT_DELAY_MS
    this.#timers.set(
      group,
      setTimeout(() => {
        this.#timers.delete(group)
        this.#flushing = this.#flushing.then(() => this.#flushDelivered([group]))
      }, delay),
    )
  }

  async #flushDelivered(groups: readonly string[]): Promise<void> {
    if (!this.#d.connected()) return
    const batches: Array<[string, Set<string>]> = []
    for (const g of groups) {
      const ids = this.#delivered.get(g)
      this.#delivered.delete(g)
      if (ids && ids.size > 0) batches.push([g, ids])
    }
    for (const [group, ids] of batches) {
      const all = [...ids]
      for (let i = 0; i < all.length; i += CONTENT_LIMITS.receiptIds) {
        const chunk = all.slice(i, i + CONTENT_LIMITS.receiptIds)
        await this.#d.send(group, { type: 'receipt', id: newMessageId(), sentAt: Date.now(), kind: 'delivered', ids: chunk } as unknown as Outgoing).catch((error: unknown) => {
          // A receipt cut off by the client closing (a short-lived program going) is no alert.
          if (!this.#closed) this.#d.emit('error', { where: 'sending delivered receipts', error })
        })
      }
    }
  }

  /** Resolves once the delivered receipts queued so far were sent (for short-lived programs). */
  async flush(): Promise<void> {
    const groups = [...this.#timers.keys()]
    for (const g of groups) clearTimeout(this.#timers.get(g))
    this.#timers.clear()
    if (groups.length > 0) this.#flushing = this.#flushing.then(() => this.#flushDelivered(groups))
    await this.#flushing
  }

  // ---- conversation info and device-local preferences ----

  info(conversation: string): ConversationInfo {
    const i = this.#info.get(conversation)
    const p = this.#prefs.get(conversation)
    return { name: i?.name ?? null, topic: i?.topic ?? null, avatar: i?.avatar ?? null, pinned: p?.pinned ?? false, muted: p?.muted ?? false }
  }

  async setPrefs(conversation: string, change: { pinned?: boolean; muted?: boolean }): Promise<void> {
    const cur = this.#prefs.get(conversation) ?? { pinned: false, muted: false }
    const next = { ...cur, ...change }
    await this.#d.store.put(PREFS + conversation, JSON.stringify(next))
    this.#prefs.set(conversation, next)
  }

  // ---- applying what members sent ----

  /** The fields a received text adds to its record (the quote checked against this device's copy). */
  async textFields(group: string, c: Extract<Content, { type: 'text' }>): Promise<Partial<MessageRecord>> {
    const out: Partial<MessageRecord> = {}
    if (c.replyTo) {
      // Where this device holds the quoted message, it quotes its own copy: a sender cannot
      // put words in another member's mouth.
      const held = await this.#d.conversations.find(this.#d.conversations.conversationOf(group), c.replyTo.id)
      const deleted = held ? (await this.states.get(held.id)).deleted : undefined
      out.replyTo = held && held.kind === undefined ? { id: c.replyTo.id, from: held.from as ReplyRef['from'], excerpt: deleted ? '' : excerptOf(held.text) } : c.replyTo
    }
    if (c.mentions && c.mentions.length > 0) {
      out.mentions = [...c.mentions]
      out.mentioned = c.mentions.includes(this.#d.me.userId as never)
    }
    return out
  }

  /** A text from another user arrived and was recorded: its sender learns it was delivered. */
  received(group: string, m: MessageRecord): void {
    if (m.from !== this.#d.me.userId && m.kind === undefined) this.#queueDelivered(group, m.id)
  }

  /** Applies an edit, delete, reaction, receipt, conversation or members content; false for a type it does not handle. */
  async apply(f: DeliverFrame, sender: Leaf, content: Content): Promise<boolean> {
    const { conversations } = this.#d
    const conversation = conversations.conversationOf(f.groupId)
    switch (content.type) {
      case 'edit': {
        const t = await this.#editable(conversation, content.target, sender)
        if (t) {
          await this.states.edit(t.id, content.text, f.sentAt, content.mentions)
          // Search finds the message by its text now, not by the one it replaced.
          await conversations.reindex([{ ...t, text: content.text }], [t.id])
          this.#d.emit('update', { conversation, id: t.id })
        }
        return true
      }
      case 'delete': {
        const t = await this.#editable(conversation, content.target, sender)
        if (t) await this.#erase(conversation, t.id, f.sentAt)
        return true
      }
      case 'reaction': {
        const t = await conversations.find(conversation, content.target)
        if (t && t.kind === undefined && !(await this.states.get(t.id)).deleted && (await this.states.react(t.id, sender.userId, content.emoji, content.on))) {
          this.#d.emit('update', { conversation, id: t.id })
        }
        return true
      }
      case 'receipt': {
        // State of this person's own messages only, from the other members.
        if (sender.userId === this.#d.me.userId) return true
        for (const id of content.ids) {
          if (!conversations.isOwn(id)) continue
          const t = await conversations.find(conversation, id)
          if (!t || t.from !== this.#d.me.userId || t.kind !== undefined) continue
          if (await this.states.receipt(id, sender.userId, content.kind)) this.#d.emit('update', { conversation, id })
        }
        return true
      }
      case 'conversation':
        await this.#applyInfo(f.groupId, sender.userId, sender.deviceId, content, f.sentAt, sender.userId === this.#d.me.userId ? 'out' : 'in', content.id)
        return true
      case 'members': {
        // The commit is the proof: the names must agree with the tree as it is now.
        const group = conversations.get(f.groupId)
        if (!group) return true
        const inTree = new Set(leaves(group.state).map((l) => l.userId))
        if (content.added.every((u) => inTree.has(u)) && content.removed.every((u) => !inTree.has(u))) {
          await this.#recordMembers(f.groupId, sender, content, f.sentAt, sender.userId === this.#d.me.userId ? 'out' : 'in')
        }
        return true
      }
      default:
        return false
    }
  }

  /** "X left": the line a member's `leave` leaves in every timeline. */
  async left(group: string, sender: Leaf, id: string, sentAt: number): Promise<void> {
    const conversations = this.#d.conversations
    const record: MessageRecord = {
      id,
      conversation: conversations.conversationOf(group),
      from: sender.userId,
      fromDevice: sender.deviceId,
      text: `${sender.userId} left`,
      sentAt,
      receivedAt: Date.now(),
      direction: sender.userId === this.#d.me.userId ? 'out' : 'in',
      kind: 'left',
    }
    if (await conversations.record(record)) this.#d.emit('message', record)
  }

  /** The target, if `sender` may edit or delete it: a message (not a notice) of this conversation from the same user, not deleted. */
  async #editable(conversation: string, target: string, sender: Leaf): Promise<MessageRecord | undefined> {
    const t = await this.#d.conversations.find(conversation, target)
    if (!t || t.kind !== undefined || t.from !== sender.userId) return undefined
    if ((await this.states.get(t.id)).deleted) return undefined
    return t
  }

  async #erase(conversation: string, id: string, at: number): Promise<void> {
    await this.states.delete(id, at)
    await this.#d.conversations.erase(conversation, id)
    this.#d.emit('update', { conversation, id })
  }

  async #applyInfo(group: string, from: string, fromDevice: string, c: ConversationContent, sentAt: number, direction: 'in' | 'out', id: string = c.id): Promise<void> {
    const conversations = this.#d.conversations
    const conversation = conversations.conversationOf(group)
    const cur = this.#info.get(conversation) ?? { name: null, topic: null }
    // The latest by the server's time wins, ties broken by id: the queue order every member
    // sees, and the same answer on the sender's device, which never gets its own message back.
    const newer = (was: { at: number; id: string } | undefined) => !was || sentAt > was.at || (sentAt === was.at && id > was.id)
    const stamp = { at: sentAt, id }
    const next = {
      name: c.name !== undefined && newer(cur.nameAt) ? c.name : cur.name,
      topic: c.topic !== undefined && newer(cur.topicAt) ? c.topic : cur.topic,
      ...(c.name !== undefined && newer(cur.nameAt) ? { nameAt: stamp } : cur.nameAt ? { nameAt: cur.nameAt } : {}),
      ...(c.topic !== undefined && newer(cur.topicAt) ? { topicAt: stamp } : cur.topicAt ? { topicAt: cur.topicAt } : {}),
      avatar: c.avatar !== undefined && newer(cur.avatarAt) ? c.avatar : (cur.avatar ?? null),
      ...(c.avatar !== undefined && newer(cur.avatarAt) ? { avatarAt: stamp } : cur.avatarAt ? { avatarAt: cur.avatarAt } : {}),
    }
    await this.#d.store.put(INFO + conversation, JSON.stringify(next))
    this.#info.set(conversation, next)
    const what =
      c.name !== undefined
        ? c.name === null
          ? `${from} removed the conversation's name`
          : `${from} renamed the conversation to “${c.name}”`
        : c.topic !== undefined
          ? c.topic === null
            ? `${from} cleared the topic`
            : `${from} set the topic to “${c.topic}”`
          : c.avatar === null
            ? `${from} removed the conversation's picture`
            : `${from} changed the conversation's picture`
    const record: MessageRecord = {
      id,
      conversation,
      from,
      fromDevice,
      text: what,
      sentAt,
      receivedAt: Date.now(),
      direction,
      kind: 'conversation',
      renamed: { ...(c.name !== undefined ? { name: c.name } : {}), ...(c.topic !== undefined ? { topic: c.topic } : {}) },
      ...expiresAt(sentAt, conversations.timerMs(group)),
    }
    if (await conversations.record(record)) this.#d.emit('message', record)
    if (c.name !== undefined || c.topic !== undefined) this.#d.emit('conversation', { id: conversation, change: 'renamed' })
    if (c.avatar !== undefined) this.#d.emit('conversation', { id: conversation, change: 'avatar' })
  }

  async #recordMembers(group: string, sender: Pick<Leaf, 'userId' | 'deviceId'>, c: Pick<MembersContent, 'id' | 'added' | 'removed'>, sentAt: number, direction: 'in' | 'out'): Promise<void> {
    const conversations = this.#d.conversations
    const parts = [
      ...(c.added.length > 0 ? [`${sender.userId} added ${c.added.join(', ')}`] : []),
      ...(c.removed.length > 0 ? [`${sender.userId} removed ${c.removed.join(', ')}`] : []),
    ]
    const record: MessageRecord = {
      id: c.id,
      conversation: conversations.conversationOf(group),
      from: sender.userId,
      fromDevice: sender.deviceId,
      text: parts.join('; '),
      sentAt,
      receivedAt: Date.now(),
      direction,
      kind: 'members',
      members: { added: [...c.added], removed: [...c.removed] },
    }
    if (await conversations.record(record)) this.#d.emit('message', record)
  }
}
