// The messages shown, per conversation, in display order (by send time). Only the lists: the
// Messenger recomputes its conversation list after a change and tells the views.
import type { FailedFor, MessageRecord } from '@candor/sdk'
import { toUi, type UiMessage } from './ui-message.ts'

export class MessageLists {
  readonly #lists = new Map<string, UiMessage[]>()

  has(conversation: string): boolean {
    return this.#lists.has(conversation)
  }

  list(conversation: string): readonly UiMessage[] {
    return this.#lists.get(conversation) ?? []
  }

  delete(conversation: string): void {
    this.#lists.delete(conversation)
  }

  /** Adds a message in its place; false when it is shown already. */
  insert(m: UiMessage): boolean {
    const list = this.#lists.get(m.conversation) ?? []
    if (list.some((x) => x.id === m.id)) return false
    const next = [...list, m]
    // Keep display order by send time; out-of-order arrivals are rare and slot in.
    if (list.length > 0 && m.sentAt < list[list.length - 1]!.sentAt) next.sort((a, b) => a.sentAt - b.sentAt)
    this.#lists.set(m.conversation, next)
    return true
  }

  replace(id: string, m: UiMessage): void {
    // A copy that arrived meanwhile under the new id goes; the one replaced stays in its place
    // (also when it keeps its id: an upload's progress, a send that failed).
    const list = (this.#lists.get(m.conversation) ?? []).filter((x) => x.id !== m.id || x.id === id)
    this.#lists.set(
      m.conversation,
      list.map((x) => (x.id === id ? m : x)),
    )
  }

  remove(conversation: string, ids: ReadonlySet<string>): void {
    this.#lists.set(conversation, (this.#lists.get(conversation) ?? []).filter((x) => !ids.has(x.id)))
  }

  /** Takes in a conversation's history as the device read it. */
  mergeHistory(conversation: string, history: readonly MessageRecord[]): void {
    // What was shown while the history was read (a message that came in just after the Welcome
    // that added this device, this page's own send) is newer than the read: kept, never replaced
    // by it — else a conversation opened as it arrived lost its first messages until a reload.
    const meanwhile = this.#lists.get(conversation) ?? []
    const shown = new Set(meanwhile.map((m) => m.id))
    const merged = [...history.map(toUi).filter((m) => !shown.has(m.id)), ...meanwhile]
    this.#lists.set(conversation, meanwhile.length > 0 ? merged.sort((a, b) => a.sentAt - b.sentAt) : merged)
  }

  /** Shows a message's record as the device holds it now (edited, deleted, reacted to, read). */
  reloaded(conversation: string, r: MessageRecord): void {
    const list = this.#lists.get(conversation)
    // A failure noted while the history was being read is kept (the read may predate it).
    const keep = (x: UiMessage): Partial<UiMessage> => ({ ...(x.uploading ? { uploading: x.uploading } : {}), ...(x.failedFor && !r.failedFor ? { failedFor: x.failedFor } : {}) })
    if (list) this.#lists.set(conversation, list.map((x) => (x.id === r.id ? { ...toUi(r), ...keep(x) } : x)))
  }

  /** Notes the recipient devices that could not decrypt a message; false when it is not shown (yet). */
  setFailedFor(conversation: string, id: string, failedFor: FailedFor[]): boolean {
    const list = this.#lists.get(conversation)
    if (!list?.some((x) => x.id === id)) return false
    this.#lists.set(conversation, list.map((x) => (x.id === id ? { ...x, failedFor } : x)))
    return true
  }

  /** Marks every message still on its way as failed, with the reason. */
  failSending(why: string): void {
    for (const [conversation, list] of this.#lists) {
      if (list.some((m) => m.delivery === 'sending')) {
        this.#lists.set(conversation, list.map((m) => (m.delivery === 'sending' ? { ...m, delivery: 'failed', error: why } : m)))
      }
    }
  }
}
