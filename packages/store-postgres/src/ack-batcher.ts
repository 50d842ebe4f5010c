// Acknowledgements of one event-loop turn, from every connection of the node, deleted in one
// transaction (a round trip or three, not a transaction per ack frame). The transaction commits
// with synchronous_commit off: an ack lost to a crash only means the message is delivered
// again, and the device drops it by id; message writes keep their durable commits.
import type { DeviceId } from '@candor/protocol'
import { transaction, type Sql } from './connection.ts'
import { releaseMessages } from './message-writes.ts'

interface PendingAck {
  deviceId: DeviceId
  seqs: readonly number[]
  resolve: (n: number) => void
  reject: (e: unknown) => void
}

export class AckBatcher {
  readonly #sql: Sql
  #pending: PendingAck[] = []

  constructor(sql: Sql) {
    this.#sql = sql
  }

  /** Resolves with how many of these queue entries existed (and are now gone). */
  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ deviceId, seqs, resolve, reject })
      if (this.#pending.length === 1) setImmediate(() => void this.#flush())
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#pending
    this.#pending = []
    const devices: DeviceId[] = []
    const seqs: number[] = []
    for (const a of batch) {
      for (const s of a.seqs) {
        devices.push(a.deviceId)
        seqs.push(s)
      }
    }
    try {
      const gone = await transaction(this.#sql, async (tx) => {
        await tx`SET LOCAL synchronous_commit TO OFF`
        const rows = await tx<{ device_id: DeviceId; seq: number; message: number }[]>`
          DELETE FROM queue q USING unnest(${tx.array(devices)}::text[], ${tx.array(seqs)}::bigint[]) AS t(device_id, seq)
          WHERE q.device_id = t.device_id AND q.seq = t.seq
          RETURNING q.device_id, q.seq, q.message`
        await releaseMessages(tx, rows.map((r) => r.message))
        return rows
      })
      // Each deleted entry is credited to the first request in the batch that named it.
      const deleted = new Set(gone.map((r) => `${r.device_id}:${Number(r.seq)}`))
      for (const a of batch) {
        let n = 0
        for (const s of a.seqs) if (deleted.delete(`${a.deviceId}:${s}`)) n++
        a.resolve(n)
      }
    } catch (e) {
      for (const a of batch) a.reject(e)
    }
  }
}
