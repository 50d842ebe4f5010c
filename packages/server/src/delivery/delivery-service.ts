// The write side of delivery: messages submitted during one event-loop turn are stored in
// one transaction (group commit), and only then acknowledged and fanned out.
import { DELIVER_HEADER_BYTES, encodeDeliverHeader } from '@candor/protocol'
import type { AppendResult, Bus, BusDelivery, Delivery, NewMessage, Store } from '../store/index.ts'
import type { Metrics } from '../metrics.ts'

interface Pending {
  message: NewMessage
  resolve: (r: AppendResult) => void
  reject: (e: unknown) => void
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

  /** Resolves once the message is durable; fan-out has been published by then. */
  submit(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => {
          this.#flushing = this.#flushing.then(() => this.#flush())
        })
      }
    })
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
      for (const p of batch) p.reject(e)
      return
    }
    const out: BusDelivery[] = []
    batch.forEach((p, i) => {
      const r = results[i]!
      if (!r.duplicate) {
        this.#metrics.accepted.inc()
        this.fanOut(p.message, r.deliveries, out)
      }
      p.resolve(r)
    })
    this.#bus.publish(out)
  }

  /** Builds the deliver frame of a stored message for each of its queue entries. */
  fanOut(m: Omit<NewMessage, 'recipients'>, deliveries: readonly Delivery[], out: BusDelivery[] = []): BusDelivery[] {
    for (const d of deliveries) {
      const frame = encodeDeliverHeader(
        { seq: d.seq, kind: m.kind, messageId: m.messageId, groupId: m.groupId, sentAt: m.sentAt, sender: m.sender },
        m.payload.length,
      )
      frame.set(m.payload, DELIVER_HEADER_BYTES)
      out.push({ deviceId: d.deviceId, seq: d.seq, frame })
    }
    return out
  }

  publish(deliveries: BusDelivery[]): void {
    this.#bus.publish(deliveries)
  }
}
