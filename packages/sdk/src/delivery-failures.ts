// On the sending device: which recipient devices reported (by an `undecryptable` content,
// docs/protocol.md §2) that they could not decrypt which of its messages, so "Sent" never
// hides a recipient who cannot read. Kept in the device's store, in the order learnt (readers
// with a cursor, like the CLI's `read`, show what is new).
import type { LocalStore } from './local-store.ts'
import type { FailedFor, MessageRecord } from './message-record.ts'

const KEY = 'delivery-failures'
/** The oldest reports beyond this are forgotten (the messages they were about are long gone). */
const KEPT = 2000

export interface DeliveryFailure extends FailedFor {
  /** Its position in the order reports were learnt (1, 2, …), for readers that keep a cursor. */
  n: number
  conversation: string
  messageId: string
  at: number
}

export class DeliveryFailures {
  readonly #store: LocalStore
  #list: DeliveryFailure[] | undefined

  constructor(store: LocalStore) {
    this.#store = store
  }

  async #all(): Promise<DeliveryFailure[]> {
    this.#list ??= JSON.parse((await this.#store.get(KEY)) ?? '[]') as DeliveryFailure[]
    return this.#list
  }

  /**
   * Records that a recipient device could not decrypt a message; the message's recipients who
   * failed so far, or null when this device had already reported it.
   */
  async mark(f: Omit<DeliveryFailure, 'n' | 'at'>): Promise<FailedFor[] | null> {
    const all = await this.#all()
    if (all.some((x) => x.messageId === f.messageId && x.deviceId === f.deviceId)) return null
    const next = [...all, { ...f, n: (all.at(-1)?.n ?? 0) + 1, at: Date.now() }].slice(-KEPT)
    await this.#store.put(KEY, JSON.stringify(next))
    this.#list = next
    return this.failedFor(f.messageId)
  }

  failedFor(messageId: string): FailedFor[] {
    return (this.#list ?? []).filter((x) => x.messageId === messageId).map(({ userId, deviceId, reason }) => ({ userId, deviceId, reason }))
  }

  /** Reports learnt after position `n`, oldest first. */
  async since(n: number): Promise<DeliveryFailure[]> {
    return (await this.#all()).filter((x) => x.n > n)
  }

  /** The records with `status: 'failed'` and `failedFor` on this device's messages a recipient could not decrypt. */
  async decorate(records: MessageRecord[], deviceId: string): Promise<MessageRecord[]> {
    const all = await this.#all()
    if (all.length === 0) return records
    const failed = new Set(all.map((x) => x.messageId))
    return records.map((m) => (m.fromDevice === deviceId && failed.has(m.id) ? { ...m, status: 'failed', failedFor: this.failedFor(m.id) } : m))
  }
}
