// Acknowledgements of one event-loop turn, from every connection of the node, deleted in one
// statement (one round trip, not a transaction per ack frame). It commits with
// synchronous_commit off: an ack lost to a crash only means the message is delivered
// again, and the device drops it by id; message writes keep their durable commits.
// One such statement is in flight at a time per node: acks arriving meanwhile wait for it and
// go together in the next, so a busy node sends fewer, larger statements instead of one per
// turn (the delivery service stores messages likewise, one batch at a time).
import type { DeviceId } from '@candor/protocol'
import { retrying, type Sql } from './connection.ts'

interface PendingAck {
  deviceId: DeviceId
  seqs: readonly number[]
  resolve: (n: number) => void
  reject: (e: unknown) => void
}

export class AckBatcher {
  readonly #sql: Sql
  #pending: PendingAck[] = []
  /** A statement is running; a flush is due when it ends if acks arrived meanwhile. */
  #inFlight = false

  constructor(sql: Sql) {
    this.#sql = sql
  }

  /** Resolves with how many of these queue entries existed (and are now gone). */
  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ deviceId, seqs, resolve, reject })
      if (this.#pending.length === 1 && !this.#inFlight) setImmediate(() => void this.#flush())
    })
  }

  /**
   * One statement, so one round trip and its own (implicit) transaction: delete the queue
   * entries, then release their messages as releaseMessages does (rows locked in id order; a
   * message whose last references go is deleted, the others' counts lowered), committed with
   * synchronous_commit off (set_config(…, true) lasts for this transaction only). Every row is
   * reached by key from the arrays or from the rows before it, so that nested loops over index
   * probes, the only joins on its connection (ack-pool.ts), are linear in the batch.
   */
  async #deleteAndRelease(devices: DeviceId[], seqs: number[]): Promise<{ ord: number }[]> {
    return retrying(
      () =>
        this.#sql<{ ord: number }[]>`
          WITH q AS (
            DELETE FROM queue q USING unnest(${this.#sql.array(devices)}::text[], ${this.#sql.array(seqs)}::bigint[]) WITH ORDINALITY AS t(device_id, seq, ord)
            WHERE q.device_id = t.device_id COLLATE "C" AND q.seq = t.seq
            RETURNING t.ord, q.message),
          c AS (SELECT message AS id, count(*)::integer AS n FROM q WHERE message IS NOT NULL GROUP BY message),
          locked AS MATERIALIZED (SELECT m.id, m.remaining, c.n FROM c JOIN messages m ON m.id = c.id ORDER BY m.id FOR UPDATE OF m),
          gone AS (DELETE FROM messages m USING locked l WHERE m.id = l.id AND l.remaining <= l.n),
          lowered AS (UPDATE messages m SET remaining = l.remaining - l.n FROM locked l WHERE m.id = l.id AND l.remaining > l.n)
          SELECT q.ord FROM q, (SELECT set_config('synchronous_commit', 'off', true)) AS s`,
    )
  }

  async #flush(): Promise<void> {
    if (this.#inFlight || this.#pending.length === 0) return
    this.#inFlight = true
    try {
      await this.#apply(this.#pending.splice(0))
    } finally {
      this.#inFlight = false
      if (this.#pending.length > 0) setImmediate(() => void this.#flush())
    }
  }

  async #apply(batch: PendingAck[]): Promise<void> {
    const devices: DeviceId[] = []
    const seqs: number[] = []
    for (const a of batch) {
      for (const s of a.seqs) {
        devices.push(a.deviceId)
        seqs.push(s)
      }
    }
    try {
      const gone = await this.#deleteAndRelease(devices, seqs)
      // Each deleted entry is credited to the request that named it (by its position in the
      // arrays sent); one named twice in the batch was deleted once, for one of them.
      const deleted = new Uint8Array(devices.length)
      for (const r of gone) deleted[r.ord - 1] = 1
      let i = 0
      for (const a of batch) {
        let n = 0
        for (let k = 0; k < a.seqs.length; k++) n += deleted[i++]!
        a.resolve(n)
      }
    } catch (e) {
      for (const a of batch) a.reject(e)
    }
  }
}
