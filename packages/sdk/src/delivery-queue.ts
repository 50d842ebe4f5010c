// The device's deliveries between the socket and processing. Each is processed once, one at a
// time, and acknowledged only when processing resolved (it was handled, or rejected for good
// and shown). A delivery whose processing failed (a transient failure: see
// delivery-failure.ts) stays unacknowledged and holds its group: it and every later delivery
// of that group wait, in order, and the first is retried with jittered exponential backoff.
// Other groups go on — nothing in one MLS group depends on another's messages, and one
// member's unreachable key-directory entry must not silence every conversation.
//
// The server pushes everything unacknowledged again on each new connection (same seqs): a
// delivery already queued or acknowledged here is recognised by its seq and not processed twice.
//
// Processing may leave what it changed in memory (a group's state, Conversations.defer): the
// queue makes it durable (`save`) once per batch — when nothing more is ready, or after
// BATCH_MAX deliveries — and acknowledges the batch's deliveries only after that save resolved
// (docs/protocol.md §6). A failed save acknowledges nothing and is tried again with backoff.
import type { DeliverFrame } from '@candor/protocol'

export interface DeliveryQueueDeps {
  /** Processes one delivery; a rejection means "keep it and try again later". */
  process(f: DeliverFrame): Promise<void>
  /** Acknowledges a delivery to the server. */
  ack(seq: number): void
  /**
   * Makes durable what the deliveries processed since the last call changed (called before
   * they are acknowledged); a rejection means "not saved": none of them is acknowledged.
   */
  save?(): Promise<void>
  /** A save failed (it is tried again). */
  saveFailed?(error: unknown): void
  /** A group is held after a failure (called when it starts holding, not on every retry). */
  held?(f: DeliverFrame, error: unknown): void
}

export interface Backoff {
  /** First delay (ms). */
  baseMs: number
  /** Longest delay (ms). */
  capMs: number
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, capMs: 30_000 }

/** Acknowledged seqs remembered, so a redelivery after a lost ack is acknowledged again, not processed. */
const ACKED_KEPT = 4096
/** Deliveries processed at most before their batch is saved and acknowledged. */
const BATCH_MAX = 100

interface Lane {
  frames: DeliverFrame[]
  attempt: number
  /** When the head may be tried again (ms since the epoch). */
  due: number
  timer: ReturnType<typeof setTimeout> | undefined
}

export class DeliveryQueue {
  readonly #d: DeliveryQueueDeps
  readonly #backoff: Backoff
  readonly #ready: DeliverFrame[] = []
  readonly #held = new Map<string, Lane>()
  /** Seqs queued here or being processed. */
  readonly #queued = new Set<number>()
  readonly #acked = new Set<number>()
  /** Processed, waiting for the batch's save before they are acknowledged (in order). */
  readonly #unsaved: number[] = []
  #saveAttempt = 0
  #saveDue = 0
  #saveTimer: ReturnType<typeof setTimeout> | undefined
  #running = false
  #closed = false
  #idle: Array<() => void> = []

  constructor(deps: DeliveryQueueDeps, backoff: Backoff = DEFAULT_BACKOFF) {
    this.#d = deps
    this.#backoff = backoff
  }

  push(f: DeliverFrame): void {
    if (this.#closed || this.#queued.has(f.seq)) return
    if (this.#acked.has(f.seq)) {
      this.#d.ack(f.seq)
      return
    }
    this.#queued.add(f.seq)
    const lane = this.#held.get(f.groupId)
    if (lane) lane.frames.push(f)
    else this.#ready.push(f)
    this.#kick()
  }

  /** Groups held by a failure, and how many deliveries each holds. */
  heldGroups(): Map<string, number> {
    return new Map([...this.#held].map(([g, l]) => [g, l.frames.length]))
  }

  /** Retries every held group now (e.g. the connection came back), keeping their backoff. */
  retryNow(): void {
    for (const lane of this.#held.values()) {
      if (lane.timer) clearTimeout(lane.timer)
      lane.timer = undefined
      lane.due = 0
    }
    if (this.#saveTimer) clearTimeout(this.#saveTimer)
    this.#saveTimer = undefined
    this.#saveDue = 0
    this.#kick()
  }

  /**
   * Resolves when every delivery received so far has been processed, or is held for a retry
   * (which goes on in the background).
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Stops and forgets everything unacknowledged; the server pushes it again on the next connection. */
  close(): void {
    this.#closed = true
    for (const lane of this.#held.values()) if (lane.timer) clearTimeout(lane.timer)
    if (this.#saveTimer) clearTimeout(this.#saveTimer)
    // Processed but not saved: not acknowledged either, so the server pushes them again.
    this.#unsaved.length = 0
    this.#held.clear()
    this.#ready.length = 0
    this.#queued.clear()
    this.#settle()
  }

  #isIdle(): boolean {
    return (
      !this.#running &&
      this.#ready.length === 0 &&
      ![...this.#held.values()].some((l) => l.due <= Date.now()) &&
      (this.#unsaved.length === 0 || this.#saveDue > Date.now())
    )
  }

  #settle(): void {
    if (!this.#isIdle() && !this.#closed) return
    for (const f of this.#idle.splice(0)) f()
  }

  #kick(): void {
    if (!this.#running && !this.#closed) void this.#run()
  }

  /** The next delivery to try: the head of a held group whose retry is due, else the oldest ready one. */
  #next(): { f: DeliverFrame; lane: Lane | undefined } | undefined {
    const now = Date.now()
    let due: Lane | undefined
    for (const lane of this.#held.values()) if (lane.due <= now && (!due || lane.due < due.due)) due = lane
    if (due) return { f: due.frames[0]!, lane: due }
    const f = this.#ready.shift()
    return f && { f, lane: undefined }
  }

  async #run(): Promise<void> {
    this.#running = true
    try {
      for (;;) {
        for (let next = this.#next(); next && !this.#closed; next = this.#next()) {
          const { f, lane } = next
          let failure: { error: unknown } | undefined
          try {
            await this.#d.process(f)
          } catch (error) {
            failure = { error }
          }
          if (this.#closed) return
          if (failure) this.#hold(f, lane, failure.error)
          else this.#done(f, lane)
          if (this.#unsaved.length >= BATCH_MAX) await this.#saveBatch()
        }
        if (this.#closed || this.#unsaved.length === 0 || this.#saveDue > Date.now()) break
        await this.#saveBatch()
        // Deliveries pushed (and held groups come due) while the save ran found the queue
        // running, so nothing kicked it for them: look again before stopping.
      }
    } finally {
      this.#running = false
      this.#settle()
    }
  }

  /** Saves what the processed deliveries changed, then acknowledges them; on failure keeps them and tries again later. */
  async #saveBatch(): Promise<void> {
    const batch = this.#unsaved.slice()
    try {
      await this.#d.save?.()
    } catch (error) {
      if (this.#closed) return
      this.#d.saveFailed?.(error)
      const exp = Math.min(this.#backoff.capMs, this.#backoff.baseMs * 2 ** this.#saveAttempt++)
      const delay = exp / 2 + Math.random() * (exp / 2)
      this.#saveDue = Date.now() + delay
      this.#saveTimer = setTimeout(() => {
        this.#saveTimer = undefined
        this.#saveDue = 0
        this.#kick()
      }, delay)
      return
    }
    if (this.#closed) return
    this.#saveAttempt = 0
    this.#saveDue = 0
    // Deliveries processed while the save ran wait for the next one.
    this.#unsaved.splice(0, batch.length)
    for (const seq of batch) {
      this.#queued.delete(seq)
      this.#acked.add(seq)
      if (this.#acked.size > ACKED_KEPT) this.#acked.delete(this.#acked.values().next().value!)
      this.#d.ack(seq)
    }
  }

  #done(f: DeliverFrame, lane: Lane | undefined): void {
    // Still "queued" (a push of the same seq is ignored) until the batch is saved and acknowledged.
    this.#unsaved.push(f.seq)
    if (!lane) return
    lane.frames.shift()
    lane.attempt = 0
    // The rest of the group follows at once; once it is empty, the group flows freely again.
    if (lane.frames.length === 0) this.#held.delete(f.groupId)
    else lane.due = 0
  }

  #hold(f: DeliverFrame, lane: Lane | undefined, error: unknown): void {
    if (!lane) {
      // Later deliveries of the same group already waiting join it, in order, behind this one.
      const rest: DeliverFrame[] = []
      for (let i = 0; i < this.#ready.length; ) {
        if (this.#ready[i]!.groupId === f.groupId) rest.push(...this.#ready.splice(i, 1))
        else i++
      }
      lane = { frames: [f, ...rest], attempt: 0, due: 0, timer: undefined }
      this.#held.set(f.groupId, lane)
      this.#d.held?.(f, error)
    }
    const exp = Math.min(this.#backoff.capMs, this.#backoff.baseMs * 2 ** lane.attempt++)
    const delay = exp / 2 + Math.random() * (exp / 2)
    lane.due = Date.now() + delay
    const l = lane
    l.timer = setTimeout(() => {
      // Timers may fire a little early by the clock: the retry is due when its timer fires.
      l.timer = undefined
      l.due = 0
      this.#kick()
    }, delay)
  }
}
