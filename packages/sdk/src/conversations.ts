// The device's conversations: MLS group state (persisted after every change), a little
// metadata, and the message history as an append-only log per conversation.
import type { ClientConfig, ClientState } from 'ts-mls'
import type { LocalStore } from './local-store.ts'
import { epochOf, leaves, loadState, saveState } from './mls-ops.ts'

export type ConversationStatus = 'active' | 'removed' | 'left'

export interface ConversationMeta {
  id: string
  createdAt: number
  status: ConversationStatus
}

export interface MessageRecord {
  id: string
  conversation: string
  from: string
  fromDevice: string
  text: string
  sentAt: number
  receivedAt: number
  direction: 'in' | 'out'
}

export interface Conversation {
  meta: ConversationMeta
  state: ClientState
}

export class Conversations {
  readonly #store: LocalStore
  readonly #config: ClientConfig
  readonly #open = new Map<string, Conversation>()
  readonly #seen = new Set<string>()
  #loaded = false

  constructor(store: LocalStore, config: ClientConfig) {
    this.#store = store
    this.#config = config
  }

  async load(): Promise<void> {
    if (this.#loaded) return
    for (const key of await this.#store.keys('conv/')) {
      const id = key.slice('conv/'.length)
      const meta = JSON.parse((await this.#store.get(key))!) as ConversationMeta
      const encoded = await this.#store.get(`state/${id}`)
      if (!encoded) continue
      this.#open.set(id, { meta, state: loadState(encoded, this.#config) })
      for (const line of await this.#store.lines(`history/${id}`)) this.#seen.add((JSON.parse(line) as MessageRecord).id)
    }
    this.#loaded = true
  }

  get(id: string): Conversation | undefined {
    return this.#open.get(id)
  }

  list(): Conversation[] {
    return [...this.#open.values()].sort((a, b) => a.meta.createdAt - b.meta.createdAt || a.meta.id.localeCompare(b.meta.id))
  }

  async save(id: string, state: ClientState, meta?: Partial<ConversationMeta>): Promise<Conversation> {
    const prev = this.#open.get(id)
    const m: ConversationMeta = { ...(prev?.meta ?? { id, createdAt: Date.now(), status: 'active' }), ...meta }
    await this.#store.put(`state/${id}`, saveState(state))
    if (!prev || meta) await this.#store.put(`conv/${id}`, JSON.stringify(m))
    const c = { meta: m, state }
    this.#open.set(id, c)
    return c
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

  async record(m: MessageRecord): Promise<boolean> {
    if (this.#seen.has(m.id)) return false
    this.#seen.add(m.id)
    await this.#store.append(`history/${m.conversation}`, JSON.stringify(m))
    await this.#store.append('inbox', JSON.stringify(m))
    return true
  }

  async history(id: string): Promise<MessageRecord[]> {
    return (await this.#store.lines(`history/${id}`)).map((l) => JSON.parse(l) as MessageRecord)
  }

  /** All messages in arrival order, for readers that keep a cursor (the CLI's `read`). */
  async inbox(): Promise<MessageRecord[]> {
    return (await this.#store.lines('inbox')).map((l) => JSON.parse(l) as MessageRecord)
  }
}
