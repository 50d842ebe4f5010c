// The write side of delivery: messages submitted during one event-loop turn are stored in
// one transaction (group commit), and only then acknowledged and fanned out.
import { DELIVER_HEADER_BYTES, encodeDeliverHeader, type DeliverIdBytes } from '@candor/protocol'
import type { AppendResult, Bus, BusDelivery, Delivery, NewMessage, Store } from '@candor/ports'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'

/**
 * Called once the message is durable (fan-out published by then), or with the failure; `tag` is
 * what the submitter passed (a request id), so one callback can serve every message of a socket.
 */
export type Submitted = (error: unknown, result: AppendResult | undefined, tag: number) => void

interface Pending {
  message: NewMessage
  raw: DeliverIdBytes | undefined
  done: Submitted
  tag: number
}

/** The deliver frame of a stored message at one queue position; throws if its ids cannot be encoded. */
export function deliverFrame(m: Omit<NewMessage, 'recipients'>, seq: number, raw?: DeliverIdBytes): Uint8Array {
  const frame = encodeDeliverHeader({ seq, kind: m.kind, messageId: m.messageId, groupId: m.groupId, sentAt: m.sentAt, sender: m.sender }, m.payload.length, raw)
  frame.set(m.payload, DELIVER_HEADER_BYTES)
  return frame
}

export class DeliveryService {
  readonly #store: Store
  readonly #bus: Bus
  readonly #metrics: Metrics
  readonly #log: Logger
  #pending: Pending[] = []
  #scheduled = false
  #flushing: Promise<void> = Promise.resolve()
  /** Told of every delivery published (the Web Push waker); must not throw or block. */
  onPublished: ((deliveries: readonly BusDelivery[]) => void) | undefined

  constructor(store: Store, bus: Bus, metrics: Metrics, log: Logger) {
    this.#store = store
    this.#bus = bus
    this.#metrics = metrics
    this.#log = log
  }

  /**
   * Queues a message for this turn's transaction. A callback rather than a promise: this is
   * the per-message hot path. `raw` carries the ids' bytes from the send frame, if at hand.
   */
  submit(message: NewMessage, done: Submitted, raw?: DeliverIdBytes, tag = 0): void {
    this.#pending.push({ message, raw, done, tag })
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => this.#then(() => this.#flush()))
    }
  }

  /**
   * Runs a step after every step before it. A step that throws is logged and counted, and the
   * chain goes on: a rejected chain would skip every later flush, so nothing anyone sent after
   * it would be stored or acknowledged again.
   */
  #then(step: () => void | Promise<void>): void {
    this.#flushing = this.#flushing.then(step).catch((err: unknown) => {
      this.#metrics.deliveryFailures.inc({ stage: 'flush' })
      this.#log.error({ err }, 'a delivery step failed; later ones go on')
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
      for (const p of batch) settle(p, e, undefined, this.#log)
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
    this.#publish(out)
    // Stored is what the sender is told; a failed publish only delays delivery to the next fetch.
    for (let i = 0; i < batch.length; i++) settle(batch[i]!, undefined, results[i], this.#log)
  }

  #publish(deliveries: readonly BusDelivery[]): void {
    try {
      this.#bus.publish(deliveries)
      this.onPublished?.(deliveries)
    } catch (err) {
      this.#metrics.deliveryFailures.inc({ stage: 'publish' })
      this.#log.error({ err, deliveries: deliveries.length }, 'publishing deliveries failed; the devices fetch them from their queues')
    }
  }

  /**
   * Builds the deliver frame of a stored message for each of its queue entries. A message whose
   * frame cannot be built (its ids do not encode) is logged and counted and left out: its rows
   * stay queued until each device's connection fetches them and sets them aside, and the rest
   * of the batch goes on.
   */
  fanOut(m: Omit<NewMessage, 'recipients'>, deliveries: readonly Delivery[], out: BusDelivery[] = [], raw?: DeliverIdBytes): BusDelivery[] {
    const before = out.length
    try {
      for (const d of deliveries) out.push({ deviceId: d.deviceId, seq: d.seq, frame: deliverFrame(m, d.seq, raw) })
    } catch (err) {
      out.length = before
      this.#metrics.deliveryFailures.inc({ stage: 'encode' })
      this.#log.error({ err, messageId: m.messageId, groupId: m.groupId, sender: m.sender, recipients: deliveries.length }, 'a stored message cannot be encoded into a deliver frame')
    }
    return out
  }

  /**
   * Publishes deliveries stored outside this service (a group's commit and welcomes) after those
   * of every batch stored before them: a batch waits for its flush to disk before it fans out,
   * and a commit accepted meanwhile must not overtake the messages of the epoch it ends.
   */
  publish(deliveries: BusDelivery[]): void {
    this.#then(() => this.#publish(deliveries))
  }
}

/** Answers one submitter; one callback that throws must not keep the others from theirs. */
function settle(p: Pending, error: unknown, result: AppendResult | undefined, log: Logger): void {
  try {
    p.done(error, result, p.tag)
  } catch (err) {
    log.error({ err }, 'a delivery callback threw')
  }
}
