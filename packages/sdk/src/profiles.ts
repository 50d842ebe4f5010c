// Display names (docs/protocol.md §2 `profile`): set by the person, sent end-to-end encrypted
// to each of their conversations when changed, to a conversation they create or join, and to
// one they add people to; learnt from the members' profile messages. Shown next to the
// verified user id, never instead of it: a name is a claim by its sender, the user id is what
// the key directory proves. Also finding people: members of one's own organisation by user id
// prefix (the server knows no names), and people this device knows whose name matches.
// Avatars ride in the same profile message (avatars.ts).
import { PEOPLE_LIMIT, newMessageId, parseDisplayName, parseUserIdPrefix, peopleResponse, type ProfileContent } from '@candor/protocol'
import type { Avatars } from './avatars.ts'
import type { Conversations } from './conversations.ts'
import type { DataApi } from './data/data-api.ts'
import type { LocalStore } from './local-store.ts'
import type { Outgoing } from './message-content.ts'
import { searchWords } from './search/search-words.ts'

const SELF = 'profile/self'
const KNOWN = 'profile/known'

interface Known {
  displayName: string
  /** The sentAt of the profile message it came from: a later one wins. */
  at: number
}

export interface Person {
  userId: string
  /** Their display name as this device learnt it (their claim), null when none. */
  displayName: string | null
  /** How this device knows of them: a member of the same organisation, or someone in one of its conversations. */
  source: 'organisation' | 'conversation'
}

export interface ProfilesDeps {
  store: LocalStore
  data: DataApi
  conversations: Conversations
  userId: string
  send(groupId: string, content: Outgoing): Promise<unknown>
  error(where: string, error: unknown): void
  /** A display name this device knows changed (this person's own included). */
  changed(userId: string, displayName: string): void
  /** The avatar field of this person's profile messages (avatars.ts). */
  avatars: Avatars
}

export class Profiles {
  readonly #d: ProfilesDeps
  #self: string | null | undefined
  #known: Map<string, Known> | undefined

  constructor(deps: ProfilesDeps) {
    this.#d = deps
  }

  async load(): Promise<void> {
    const self = await this.#d.store.get(SELF)
    this.#self = self === undefined ? null : (JSON.parse(self) as { displayName: string }).displayName
    const known = await this.#d.store.get(KNOWN)
    this.#known = new Map(Object.entries(known === undefined ? {} : (JSON.parse(known) as Record<string, Known>)))
  }

  /** This person's own display name, null when they set none. */
  get own(): string | null {
    return this.#self ?? null
  }

  /** The display name a user gave themselves as this device knows it (this person's own for themselves). */
  nameOf(userId: string): string | null {
    if (userId === this.#d.userId) return this.own
    return this.#known?.get(userId)?.displayName ?? null
  }

  /** Sets this person's display name and sends it to every conversation they are in; returns it as stored. */
  async set(name: string): Promise<string> {
    const displayName = parseDisplayName(name)
    await this.#d.store.put(SELF, JSON.stringify({ displayName }))
    this.#self = displayName
    this.#d.changed(this.#d.userId, displayName)
    const { conversations } = this.#d
    const groups = conversations.list().filter((c) => c.meta.status === 'active' && conversations.groupOf(conversations.conversationOf(c.meta.id)) === c.meta.id)
    for (const c of groups) await this.announce(c.meta.id)
    return displayName
  }

  /** Sends this person's avatar (or its removal) to every conversation they are in. */
  async announceAll(): Promise<void> {
    const { conversations } = this.#d
    const groups = conversations.list().filter((c) => c.meta.status === 'active' && conversations.groupOf(conversations.conversationOf(c.meta.id)) === c.meta.id)
    for (const c of groups) await this.announce(c.meta.id)
  }

  /** Sends this person's profile to one conversation (after creating, joining or adding to it); nothing when they set no name and no avatar. */
  async announce(groupId: string): Promise<void> {
    if (!this.#self && !this.#d.avatars.announced) return
    const content: Outgoing = {
      type: 'profile',
      id: newMessageId(),
      sentAt: Date.now(),
      ...(this.#self ? { displayName: this.#self } : {}),
      ...(await this.#d.avatars.field(groupId)),
    }
    await this.#d.send(groupId, content)
  }

  /** As announce, in the background (from delivery processing, which must not wait on a send). */
  announceLater(groupId: string): void {
    if (!this.#self && !this.#d.avatars.announced) return
    setTimeout(() => void this.announce(groupId).catch((e: unknown) => this.#d.error('sending the display name', e)), 0)
  }

  /** A member's profile message; the latest by their clock wins. Their own devices' too (it is this person). */
  async received(from: string, content: ProfileContent, sentAt: number): Promise<void> {
    await this.#d.avatars.received(from, content, sentAt)
    if (content.displayName === undefined) return
    if (from === this.#d.userId) {
      if (this.#self === content.displayName) return
      this.#self = content.displayName
      await this.#d.store.put(SELF, JSON.stringify({ displayName: content.displayName }))
      this.#d.changed(from, content.displayName)
      return
    }
    const known = this.#known ?? new Map<string, Known>()
    const prev = known.get(from)
    if (prev && prev.at > sentAt) return
    known.set(from, { displayName: content.displayName, at: sentAt })
    this.#known = known
    await this.#d.store.put(KNOWN, JSON.stringify(Object.fromEntries(known)))
    if (prev?.displayName !== content.displayName) this.#d.changed(from, content.displayName)
  }

  /**
   * People to start a conversation with: members of this person's organisation whose user id
   * starts with the query (asked of the server, which knows no names), then people this device
   * knows from its conversations whose user id or display name matches (each word of the
   * query a prefix of a word of the name). Each once, organisation first.
   */
  async find(query: string): Promise<Person[]> {
    const q = query.trim().toLowerCase()
    if (q.length === 0) return []
    const out = new Map<string, Person>()
    let prefix: string | null = null
    try {
      prefix = parseUserIdPrefix(q)
    } catch {
      // Not a user id prefix (a name with spaces, accents, capitals): only names can match.
    }
    if (prefix !== null) {
      const r = await this.#d.data.call(peopleResponse, 'GET', `/v1/people?prefix=${encodeURIComponent(prefix)}`).catch((e: unknown) => {
        // A guest has no organisation to list: they find the people they know.
        if ((e as { code?: string }).code === 'forbidden') return { people: [] }
        throw e
      })
      for (const p of r.people) out.set(p.userId, { userId: p.userId, displayName: this.nameOf(p.userId), source: 'organisation' })
    }
    const terms = searchWords(q)
    const { conversations } = this.#d
    const members = new Set<string>([...(this.#known?.keys() ?? [])])
    for (const c of conversations.list()) for (const m of conversations.members(c.meta.id)) members.add(m)
    members.delete(this.#d.userId)
    for (const userId of [...members].sort()) {
      if (out.has(userId)) continue
      const name = this.nameOf(userId)
      const nameWords = name ? searchWords(name) : []
      const byId = prefix !== null && userId.startsWith(prefix)
      const byName = terms.length > 0 && terms.every((t) => nameWords.some((w) => w.startsWith(t)))
      if (byId || byName) out.set(userId, { userId, displayName: name, source: 'conversation' })
    }
    return [...out.values()].slice(0, PEOPLE_LIMIT * 2)
  }
}
