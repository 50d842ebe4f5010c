// Typing indicators (docs/protocol.md §2 `typing`, §6): a `typing` content sealed for the
// group's current epoch (crypto's sealEphemeral) and sent as an ephemeral frame, which the
// server relays to the member devices online now and never stores; nor does this device. An
// indicator shows for 5 s unless renewed or turned off. Whatever does not open, decode or name
// a member device of the group is dropped without a word: it is only an indicator.
import { decodeContent, EphemeralKind, fromBase64Url, newMessageId, type EphemeralFrame, type GroupId, type Seen } from '@candor/protocol'
import { leaves, openEphemeral, sealEphemeral, type MlsSuites } from '@candor/crypto'
import type { ClientEvents } from './client-types.ts'
import type { Connection } from './connection.ts'
import type { Conversations } from './conversations.ts'
import { encodeOutgoing } from './message-content.ts'

export const TYPING_SHOWN_MS = 5_000

export interface TypingDeps {
  suites: MlsSuites
  conversations: Conversations
  me: { userId: string; deviceId: string }
  connection(): Connection | undefined
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export class Typing {
  readonly #d: TypingDeps
  /** conversation → user → when their indicator goes out. */
  readonly #shown = new Map<string, Map<string, { until: number; timer: ReturnType<typeof setTimeout> }>>()

  constructor(deps: TypingDeps) {
    this.#d = deps
  }

  /** Tells the members' online devices this person is (or stopped) typing in the group. */
  async send(group: string, on: boolean): Promise<void> {
    const c = this.#d.conversations.get(group)
    if (!c || c.meta.status !== 'active') return
    const conn = this.#d.connection()
    if (!conn) return
    // `seen` stays empty: an indicator is not worth a split-view check.
    const plaintext = encodeOutgoing({ type: 'typing', id: newMessageId(), sentAt: Date.now(), on }, {} as Seen)
    const payload = await sealEphemeral(this.#d.suites, c.state, fromBase64Url(this.#d.me.deviceId)!, plaintext)
    await conn.sendEphemeral(group as GroupId, payload)
  }

  /** An ephemeral frame the server relayed. */
  async received(f: EphemeralFrame): Promise<void> {
    if (f.kind !== EphemeralKind.typing) return
    const c = this.#d.conversations.get(f.groupId)
    if (!c || c.meta.status !== 'active') return
    const sender = leaves(c.state).find((l) => l.deviceId === f.sender)
    if (!sender || sender.userId === this.#d.me.userId) return
    const plain = await openEphemeral(this.#d.suites, c.state, fromBase64Url(f.sender)!, f.payload)
    if (!plain) return
    let content
    try {
      content = decodeContent(plain)
    } catch {
      return
    }
    if (content.type !== 'typing') return
    this.#set(this.#d.conversations.conversationOf(f.groupId), sender.userId, content.on)
  }

  #set(conversation: string, userId: string, on: boolean): void {
    const users = this.#shown.get(conversation) ?? new Map()
    this.#shown.set(conversation, users)
    const was = users.get(userId)
    if (was) clearTimeout(was.timer)
    if (on) {
      const timer = setTimeout(() => {
        users.delete(userId)
        this.#d.emit('typing', { conversation, userId, on: false })
      }, TYPING_SHOWN_MS)
      users.set(userId, { until: Date.now() + TYPING_SHOWN_MS, timer })
    } else users.delete(userId)
    if (!was !== !on || on) this.#d.emit('typing', { conversation, userId, on })
  }

  /** Users typing in the conversation now. */
  typing(conversation: string): string[] {
    return [...(this.#shown.get(conversation)?.keys() ?? [])].sort()
  }

  close(): void {
    for (const users of this.#shown.values()) for (const { timer } of users.values()) clearTimeout(timer)
    this.#shown.clear()
  }
}
