// The device's message history: a log per conversation and the inbox (every record in arrival
// order, each with its seq), appended to as messages come and rewritten without the records
// whose disappearing timer has run out or that were deleted for everyone; which deliveries were
// already handled; the history that came in archives; and the search index kept in step.
// Conversations (conversations.ts) holds one and hands it every call about records.
import type { LocalStore } from './local-store.ts'
import { isExpired, type MessageRecord } from './message-record.ts'
import { isSearchable, type SearchIndex } from './search/search-index.ts'
import { SerialLock } from './serial-lock.ts'

const INBOX = 'inbox'
/** Per group, the ids of the last deliveries processed without leaving a record (see markProcessed). */
const PROCESSED = 'processed/'
const PROCESSED_KEPT = 256
/** The next inbox seq, saved when expiry deletes records (the newest may be among them). */
const INBOX_NEXT = 'inbox-next'
/** Per conversation with history from an archive (a transfer or the backup): its members as the archive named them. */
const IMPORTED = 'imported/'

export class MessageLog {
  readonly #store: LocalStore
  readonly #seen = new Set<string>()
  /** Ids of the records this person sent (from any of their devices): what receipts are about. */
  readonly #own = new Set<string>()
  readonly #processed = new Map<string, string[]>()
  /** Appends and rewrites of the logs, one at a time, so a rewrite never loses an append. */
  readonly #logLock = new SerialLock()
  /** The earliest expiresAt of any stored record: the sweep does nothing before it. */
  #nextExpiry = Number.POSITIVE_INFINITY
  #inboxNext: number | undefined
  readonly #index: SearchIndex | undefined

  /** `index`: the device's search index, kept in step with the history (search/search-index.ts). */
  constructor(store: LocalStore, index?: SearchIndex) {
    this.#store = store
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

  /** Loads what the log keeps of a group this device holds: the ids of its records and of its deliveries handled without one. */
  async loadGroup(id: string): Promise<void> {
    for (const line of await this.#store.lines(`history/${id}`)) this.#note(JSON.parse(line) as MessageRecord)
    const processed = await this.#store.get(PROCESSED + id)
    if (processed) this.#processed.set(id, JSON.parse(processed) as string[])
  }

  /** Loads the ids of the inbox's records (it may hold records of a conversation whose state is gone). */
  async loadInbox(): Promise<void> {
    for (const line of await this.#store.lines(INBOX)) this.#note(JSON.parse(line) as MessageRecord)
  }

  #note(m: MessageRecord): void {
    this.#seen.add(m.id)
    if (m.direction === 'out') this.#own.add(m.id)
    if (m.expiresAt !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, m.expiresAt)
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

  /**
   * Deletes a conversation's history on this device — the logs of the conversation and of
   * `groups()` (its groups, read once the logs are this call's), its inbox lines and its search
   * index entries — nothing of it left behind.
   */
  async eraseConversation(conversation: string, groups: () => string[]): Promise<void> {
    await this.#logLock.run(async () => {
      for (const g of new Set([conversation, ...groups()])) await this.#store.rewrite(`history/${g}`, [])
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