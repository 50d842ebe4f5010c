// The write side of delivery: messages submitted during one event-loop turn are stored in
// one transaction (group commit), and only then acknowledged and fanned out.
import { DELIVER_HEADER_BYTES, encodeDeliverHeader, type DeliverIdBytes } from '@candor/protocol'
import type { AppendResult, Bus, BusDelivery, Delivery, NewMessage, Store } from '@candor/ports'
import type { Metrics } from '../metrics.ts'

/** Called once the message is durable (fan-out published by then), or with the failure. */
export type Submitted = (error: unknown, result: AppendResult | undefined) => void

interface Pending {
  message: NewMessage
  raw: DeliverIdBytes | undefined
  done: Submitted
}

export class DeliveryService {
  readonly #store: Store
  readonly #bus: Bus
  readonly #metrics: Metrics
  #pending: Pending[] = []
  #scheduled = false
  #flushing: Promise<void> = Promise.resolve()

  constructor(store: Store, bus: Bus, metrics: Metrics) {
    this.#store = store
    this.#bus = bus
    this.#metrics = metrics
  }

  /**
   * Queues a message for this turn's transaction. A callback rather than a promise: this is
   * the per-message hot path. `raw` carries the ids' bytes from the send frame, if at hand.
   */
  submit(message: NewMessage, done: Submitted, raw?: DeliverIdBytes): void {
    this.#pending.push({ message, raw, done })
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => {
        this.#flushing = this.#flushing.then(() => this.#flush())
      })
    }
  }

  async #flush(): Promise<void> {
    this.#scheduled = false
    const batch = this.#pending
    this.#pending = []
    if (batch.length === 0) return
    let results: AppendResult[]
    try {
      results = await this.#store.appendMessages(batch.map((p) => p.message))
    } catch (e) {
      for (const p of batch) p.done(e, undefined)
      return
    }
    const out: BusDelivery[] = []
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!
      const r = results[i]!
      if (!r.duplicate) {
        this.#metrics.accepted.inc()
        this.fanOut(p.message, r.deliveries, out, p.raw)
      }
    }
    this.#bus.publish(out)
    for (let i = 0; i < batch.length; i++) batch[i]!.done(undefined, results[i])
  }

  /** Builds the deliver frame of a stored message for each of its queue entries. */
  fanOut(m: Omit<NewMessage, 'recipients'>, deliveries: readonly Delivery[], out: BusDelivery[] = [], raw?: DeliverIdBytes): BusDelivery[] {
    for (const d of deliveries) {
      const frame = encodeDeliverHeader(
        { seq: d.seq, kind: m.kind, messageId: m.messageId, groupId: m.groupId, sentAt: m.sentAt, sender: m.sender },
        m.payload.length,
        raw,
      )
      frame.set(m.payload, DELIVER_HEADER_BYTES)
      out.push({ deviceId: d.deviceId, seq: d.seq, frame })
    }
    return out
  }

  /**
   * Publishes deliveries stored outside this service (a group's commit and welcomes) after those
   * of every batch stored before them: a batch waits for its flush to disk before it fans out,
   * and a commit accepted meanwhile must not overtake the messages of the epoch it ends.
   */
  publish(deliveries: BusDelivery[]): void {
    this.#flushing = this.#flushing.then(() => this.#bus.publish(deliveries))
  }
}
