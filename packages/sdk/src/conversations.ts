// The device's conversations: MLS group state (persisted after every change), a little
// metadata, and the message history as a log per conversation, appended to as messages come
// and rewritten without the records whose disappearing timer has run out.
import { epochOf, leaves, loadState, saveState, type GroupState, type MlsConfig } from '@candor/crypto'
import type { LocalStore } from './local-store.ts'
import { SerialLock } from './serial-lock.ts'

export type ConversationStatus = 'active' | 'removed' | 'left'

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
   * version, or of a type not implemented here), kept so that it is never dropped silently.
   */
  kind?: 'timer' | 'unsupported'
  /** For kind 'timer': the timer set, in ms; null when turned off. */
  timerMs?: number | null
  /** When this device deletes the record (ms since the epoch): its sentAt plus the timer it was sent under. */
  expiresAt?: number
  /** Only in inbox(): the record's position in this device's inbox, unchanged when expired records are deleted. */
  seq?: number
}

export interface Conversation {
  meta: ConversationMeta
  state: GroupState
}

const INBOX = 'inbox'
/** The next inbox seq, saved when expiry deletes records (the newest may be among them). */
const INBOX_NEXT = 'inbox-next'

export function isExpired(m: Pick<MessageRecord, 'expiresAt'>, now: number): boolean {
  return m.expiresAt !== undefined && m.expiresAt <= now
}

export class Conversations {
  readonly #store: LocalStore
  readonly #config: MlsConfig
  readonly #open = new Map<string, Conversation>()
  readonly #seen = new Set<string>()
  /** Appends and rewrites of the logs, one at a time, so a rewrite never loses an append. */
  readonly #logLock = new SerialLock()
  /** The earliest expiresAt of any stored record: the sweep does nothing before it. */
  #nextExpiry = Number.POSITIVE_INFINITY
  #inboxNext: number | undefined
  #loaded = false

  constructor(store: LocalStore, config: MlsConfig) {
    this.#store = store
    this.#config = config
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
    }
    // The inbox may hold records of a conversation whose state is gone.
    for (const line of await this.#store.lines(INBOX)) this.#note(JSON.parse(line) as MessageRecord)
    this.#loaded = true
    await this.expire(Date.now())
  }

  #note(m: MessageRecord): void {
    this.#seen.add(m.id)
    if (m.expiresAt !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, m.expiresAt)
  }

  get(id: string): Conversation | undefined {
    return this.#open.get(id)
  }

  list(): Conversation[] {
    return [...this.#open.values()].sort((a, b) => a.meta.createdAt - b.meta.createdAt || a.meta.id.localeCompare(b.meta.id))
  }

  async save(id: string, state: GroupState, meta?: Partial<ConversationMeta>): Promise<Conversation> {
    const prev = this.#open.get(id)
    const m: ConversationMeta = { ...(prev?.meta ?? { id, createdAt: Date.now(), status: 'active' }), ...meta }
    await this.#store.put(`state/${id}`, saveState(state))
    if (!prev || meta) await this.#store.put(`conv/${id}`, JSON.stringify(m))
    const c = { meta: m, state }
    this.#open.set(id, c)
    return c
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

  /** Stores a record once; one that has already expired is only remembered as seen, never stored. */
  async record(m: MessageRecord): Promise<boolean> {
    if (this.#seen.has(m.id)) return false
    this.#seen.add(m.id)
    if (isExpired(m, Date.now())) return false
    await this.#logLock.run(async () => {
      const seq = await this.#nextSeq()
      await this.#store.append(`history/${m.conversation}`, JSON.stringify(m))
      await this.#store.append(INBOX, JSON.stringify({ ...m, seq }))
      if (m.expiresAt !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, m.expiresAt)
    })
    return true
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
    return (await this.#store.lines(`history/${id}`)).map((l) => JSON.parse(l) as MessageRecord).filter((m) => !isExpired(m, now))
  }

  /** All messages in arrival order, each with its inbox seq, for readers that keep a cursor (the CLI's `read`). */
  async inbox(): Promise<MessageRecord[]> {
    const now = Date.now()
    // Records from before seqs were kept have their line number, which is what they had then.
    return (await this.#store.lines(INBOX))
      .map((l, i) => ({ seq: i, ...(JSON.parse(l) as MessageRecord) }))
      .filter((m) => !isExpired(m, now))
  }

  /** Deletes every history and the inbox of this device (account erasure). */
  wipeHistory(): Promise<void> {
    return this.#logLock.run(async () => {
      for (const key of await this.#store.keys('conv/')) await this.#store.rewrite(`history/${key.slice('conv/'.length)}`, [])
      await this.#store.rewrite(INBOX, [])
      this.#seen.clear()
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
      let next = Number.POSITIVE_INFINITY
      const prune = async (log: string, withSeq: boolean): Promise<void> => {
        const lines = await this.#store.lines(log)
        const kept: string[] = []
        let dropped = false
        lines.forEach((line, i) => {
          const m = JSON.parse(line) as MessageRecord
          if (isExpired(m, now)) {
            dropped = true
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
      this.#nextExpiry = next
      return gone
    })
  }
}
