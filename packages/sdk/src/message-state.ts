// What happened to messages after they arrived, kept on the device beside the append-only
// history (docs/protocol.md §2): edits (every earlier text kept), a delete for everyone,
// reactions (one per person per emoji) and, on this person's own messages, each recipient's
// delivered/read state. history() and inbox() show records through decorate().
import type { LocalStore } from './local-store.ts'
import type { MessageRecord } from './message-record.ts'

export interface MessageState {
  /** Each edit's text, oldest first (the record keeps the original). */
  edits?: Array<{ text: string; at: number; mentions?: string[] }>
  deleted?: { at: number }
  reactions?: Record<string, string[]>
  receipts?: Record<string, 'delivered' | 'read'>
}

const KEY = 'msgstate/'
const RANK = { delivered: 1, read: 2 } as const

export class MessageStates {
  readonly #store: LocalStore
  readonly #cache = new Map<string, MessageState>()
  #loaded: Promise<void> | undefined

  constructor(store: LocalStore) {
    this.#store = store
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      for (const key of await this.#store.keys(KEY)) {
        const v = await this.#store.get(key)
        if (v) this.#cache.set(key.slice(KEY.length), JSON.parse(v) as MessageState)
      }
    })()
    return this.#loaded
  }

  async get(id: string): Promise<MessageState> {
    await this.#load()
    return this.#cache.get(id) ?? {}
  }

  async #put(id: string, s: MessageState): Promise<void> {
    await this.#store.put(KEY + id, JSON.stringify(s))
    this.#cache.set(id, s)
  }

  async edit(id: string, text: string, at: number, mentions: readonly string[] | undefined): Promise<void> {
    const s = await this.get(id)
    await this.#put(id, { ...s, edits: [...(s.edits ?? []), { text, at, ...(mentions ? { mentions: [...mentions] } : {}) }] })
  }

  /** A delete for everyone: the edits and reactions go with the text. */
  async delete(id: string, at: number): Promise<void> {
    const s = await this.get(id)
    await this.#put(id, { deleted: { at }, ...(s.receipts ? { receipts: s.receipts } : {}) })
  }

  /** True when it changed anything. */
  async react(id: string, user: string, emoji: string, on: boolean): Promise<boolean> {
    const s = await this.get(id)
    const users = s.reactions?.[emoji] ?? []
    if (users.includes(user) === on) return false
    const next = on ? [...users, user] : users.filter((u) => u !== user)
    const reactions = { ...s.reactions, [emoji]: next }
    if (next.length === 0) delete reactions[emoji]
    await this.#put(id, { ...s, reactions })
    return true
  }

  /** Raises a recipient's state (never lowers it: a late `delivered` after `read` changes nothing); true when it changed. */
  async receipt(id: string, user: string, kind: 'delivered' | 'read'): Promise<boolean> {
    const s = await this.get(id)
    const was = s.receipts?.[user]
    if (was !== undefined && RANK[was] >= RANK[kind]) return false
    await this.#put(id, { ...s, receipts: { ...s.receipts, [user]: kind } })
    return true
  }

  /** Forgets the state of records that are gone (their disappearing timer ran out): edit texts go with them. */
  async forget(ids: readonly string[]): Promise<void> {
    await this.#load()
    for (const id of ids) {
      if (!this.#cache.has(id)) continue
      await this.#store.delete(KEY + id)
      this.#cache.delete(id)
    }
  }

  /** Records as the person sees them: edited text, deletions, reactions, receipts and the status they add up to. */
  async decorate(records: MessageRecord[], me: string): Promise<MessageRecord[]> {
    await this.#load()
    return records.map((m) => {
      const s = this.#cache.get(m.id)
      const own = m.from === me && m.direction === 'out' && m.kind === undefined
      if (!s) return m
      let out: MessageRecord = { ...m }
      if (s.deleted) {
        out = { ...out, text: '', deleted: true }
        delete out.attachments
        delete out.replyTo
        delete out.mentions
        delete out.mentioned
      } else if (s.edits && s.edits.length > 0) {
        const last = s.edits[s.edits.length - 1]!
        out = { ...out, text: last.text, edited: true, editedAt: last.at, previousTexts: [m.text, ...s.edits.slice(0, -1).map((e) => e.text)] }
        if (last.mentions) out = { ...out, mentions: last.mentions, mentioned: last.mentions.includes(me) }
      }
      if (s.reactions && !s.deleted && Object.keys(s.reactions).length > 0) out.reactions = s.reactions
      if (own) {
        const r = s.receipts ?? {}
        const states = Object.values(r)
        if (states.length > 0) {
          out.receipts = r
          out.status = states.every((x) => x === 'read') ? 'read' : 'delivered'
        }
      }
      return out
    })
  }
}
