// What the soak counts, at the server's delivery — before any client de-duplicates: per device,
// every `send` it made and every `accepted` the server answered, every `deliver` frame the server
// sent it and every `ack` that reached the server's socket, each stamped with the server's life
// (0 before the first kill, +1 per kill). At each kill the queue left in the database is noted,
// so a re-delivery of an acknowledged seq can be told apart by cause:
//
//  - its ack was still queued in the database at the kill after it (the ack was lost with the
//    kill — allowed: acks are committed without waiting for the disk, see docs/protocol.md §5.4);
//  - its ack was gone from the database at that kill (the ack was persisted) — a violation;
//  - it was acknowledged to this same server life, which sent it again after it had read the
//    ack — a violation. The server reads a socket's frames in order, so it had read the ack
//    once it answered (`accepted`/`error`) a send written after the ack on the same socket;
//    a re-delivery before any such answer may have crossed the ack on the wire (allowed);
//  - the same message (sender, message id) under a new seq after an earlier copy was
//    acknowledged, or while it was still queued — a violation (the server stored it twice).
//
// A seq delivered again before the device acknowledged it is at-least-once delivery working,
// counted but allowed.

export const DUPLICATE_CAUSES = {
  /** Delivered again before the device acknowledged it (a reconnect): allowed. */
  unacknowledged: { allowed: true, text: 'delivered again before its ack (allowed)' },
  /** Its ack had not reached the database when the server was killed: allowed. */
  ackLostWithKill: { allowed: true, text: 'ack lost with the kill (allowed)' },
  /** Its ack was persisted (the row was gone at the kill), yet it came again. */
  persistedAckRedelivered: { allowed: false, text: 'persisted ack delivered again' },
  /** Acknowledged to this same server life, which may have sent it again before reading the ack. */
  ackCrossed: { allowed: true, text: 'delivered again while its ack was on the way (allowed)' },
  /** Acknowledged to this same server life, which sent it again after reading the ack. */
  ackedThisLife: { allowed: false, text: 'acked to this server life, delivered again after it read the ack' },
  /** The same message under a new seq after an earlier copy was acknowledged. */
  resentAfterAck: { allowed: false, text: 'same message re-queued after its ack' },
  /** The same message under a new seq while an earlier copy was still unacknowledged. */
  storedTwice: { allowed: false, text: 'same message queued twice' },
} as const
export type DuplicateCause = keyof typeof DUPLICATE_CAUSES

interface SeqRecord {
  messageKey: string
  deliveries: number
  /** The server life the latest ack of this seq reached, if any, and where on which socket. */
  ackedInLife: number | undefined
  ackedOn: SocketMark | undefined
  /** When that ack was written to the server's socket (ms since the epoch). */
  ackedAt: number
}

/** A device's queue rows left in the database at a kill: device id → seqs. */
export type QueueSnapshot = ReadonlyMap<string, ReadonlySet<number>>

/** A client frame's place: the relayed socket (numbered per device) and its index among the frames written to the server on it. */
export interface SocketMark {
  socket: number
  at: number
}
const NO_MARK: SocketMark = { socket: 0, at: 0 }

const messageKey = (sender: string, messageId: string): string => `${sender}/${messageId}`

export class DeviceLedger {
  readonly label: string
  deviceId = ''
  readonly #soak: SoakLedger
  readonly #seqs = new Map<number, SeqRecord>()
  readonly #seqsOf = new Map<string, number[]>()
  readonly #sends = new Map<number, { messageId: string; groupId: string; mark: SocketMark }>()
  /** Per socket: the last client frame the server is known to have read (it answered a send at or after it). */
  readonly #readUpTo = new Map<number, number>()
  /** Message ids this device sent (send frames), and those the server accepted, with their group. */
  readonly sent = new Set<string>()
  readonly accepted = new Map<string, string>()
  readonly refused = new Map<string, number>()
  readonly duplicates = new Map<DuplicateCause, number>()
  /** Deliver frames the server sent this device (every one, duplicates included). */
  deliverFrames = 0
  /** Acks the device sent that never reached a server socket (it was down). */
  acksNotForwarded = 0
  /** Frames that did not decode (either way). */
  malformed = 0

  constructor(label: string, soak: SoakLedger) {
    this.label = label
    this.#soak = soak
  }

  onSend(reqId: number, messageId: string, groupId: string, mark: SocketMark = NO_MARK): void {
    this.#sends.set(reqId, { messageId, groupId, mark })
    this.sent.add(messageId)
  }

  onAccepted(reqId: number): void {
    const s = this.#sends.get(reqId)
    if (!s) return
    this.accepted.set(s.messageId, s.groupId)
    this.#answered(s.mark)
    this.#sends.delete(reqId)
  }

  onError(reqId: number, code: string): void {
    const s = this.#sends.get(reqId)
    if (!s) return
    this.#answered(s.mark)
    this.#sends.delete(reqId)
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1)
  }

  #answered(mark: SocketMark): void {
    this.#readUpTo.set(mark.socket, Math.max(this.#readUpTo.get(mark.socket) ?? -1, mark.at))
  }

  /** An ack written to a server socket of `life` (undefined: no server socket was open). */
  onAck(seqs: readonly number[], life: number | undefined, mark: SocketMark = NO_MARK): void {
    if (life === undefined) {
      this.acksNotForwarded += seqs.length
      return
    }
    for (const s of seqs) {
      const r = this.#seqs.get(s)
      if (r) {
        r.ackedInLife = life
        r.ackedOn = mark
        r.ackedAt = Date.now()
      }
    }
  }

  onDeliver(seq: number, sender: string, messageId: string, life: number, socket = NO_MARK.socket): void {
    this.deliverFrames++
    const key = messageKey(sender, messageId)
    const prior = this.#seqs.get(seq)
    if (prior) {
      prior.deliveries++
      this.#count(this.#causeOfRedelivery(seq, prior, life, socket))
      return
    }
    const others = this.#seqsOf.get(key)
    if (others) this.#count(others.some((s) => this.#seqs.get(s)!.ackedInLife !== undefined) ? 'resentAfterAck' : 'storedTwice')
    this.#seqs.set(seq, { messageKey: key, deliveries: 1, ackedInLife: undefined, ackedOn: undefined, ackedAt: 0 })
    this.#seqsOf.set(key, [...(others ?? []), seq])
  }

  #causeOfRedelivery(seq: number, r: SeqRecord, life: number, socket: number): DuplicateCause {
    const acked = r.ackedInLife
    if (acked === undefined) return 'unacknowledged'
    if (acked === life) {
      // On another socket of the same life: the server had it (conservatively, a violation).
      if (r.ackedOn === undefined || r.ackedOn.socket !== socket) return 'ackedThisLife'
      return (this.#readUpTo.get(socket) ?? -1) >= r.ackedOn.at ? 'ackedThisLife' : 'ackCrossed'
    }
    // Acked in an earlier life: was the row still in the database when that life was killed?
    return this.#soak.queuedAtKill(acked, this.deviceId, seq) ? 'ackLostWithKill' : 'persistedAckRedelivered'
  }

  #count(cause: DuplicateCause): void {
    this.duplicates.set(cause, (this.duplicates.get(cause) ?? 0) + 1)
  }

  /** Whether the server delivered this message (sender device, message id) to this device. */
  received(sender: string, messageId: string): boolean {
    return this.#seqsOf.has(messageKey(sender, messageId))
  }

  /** Distinct messages delivered. */
  get deliveredMessages(): number {
    return this.#seqsOf.size
  }

  /** Seqs acknowledged in `life` that were still queued at its kill, and when the oldest was sent. */
  acksLostIn(life: number, snapshot: QueueSnapshot): { count: number; oldest: number } {
    const queued = snapshot.get(this.deviceId)
    let count = 0
    let oldest = Infinity
    for (const [seq, r] of this.#seqs) {
      if (r.ackedInLife !== life || !queued?.has(seq)) continue
      count++
      oldest = Math.min(oldest, r.ackedAt)
    }
    return { count, oldest }
  }
}

export interface SoakVerdict {
  kills: number
  /** Message ids sent in send frames, and those the server answered `accepted`. */
  sends: number
  accepted: number
  /** Distinct (device, message) deliveries, and every deliver frame. */
  delivered: number
  deliverFrames: number
  /** Accepted sends some recipient device was never delivered, as `sender → recipient: id`. */
  lost: string[]
  duplicates: Record<DuplicateCause, number>
  /** Re-deliveries the guarantee forbids (sum of the causes that are not allowed). */
  violations: number
  /** Acks that reached a server socket but not the database before the kill, per kill. */
  acksLostPerKill: number[]
  /** Per kill, how long before it the oldest of those acks was written to the server's socket (ms). */
  oldestLostAckMs: number[]
  acksNotForwarded: number
  refused: Record<string, number>
  malformedFrames: number
}

export class SoakLedger {
  readonly devices = new Map<string, DeviceLedger>()
  /** Groups by id → the labels of their member devices. */
  readonly groups = new Map<string, readonly string[]>()
  /** The current server life: 0 until the first kill. */
  life = 0
  readonly #snapshots: QueueSnapshot[] = []
  readonly #acksLost: number[] = []
  readonly #oldestLostAck: number[] = []

  device(label: string): DeviceLedger {
    let d = this.devices.get(label)
    if (!d) this.devices.set(label, (d = new DeviceLedger(label, this)))
    return d
  }

  /** The server of the current life was killed; `snapshot` is the queue its database kept. */
  killed(snapshot: QueueSnapshot, at = Date.now()): void {
    this.#snapshots[this.life] = snapshot
    let lost = 0
    let oldest = at
    for (const d of this.devices.values()) {
      const l = d.acksLostIn(this.life, snapshot)
      lost += l.count
      oldest = Math.min(oldest, l.oldest)
    }
    this.#acksLost.push(lost)
    this.#oldestLostAck.push(at - oldest)
    this.life++
  }

  queuedAtKill(life: number, deviceId: string, seq: number): boolean {
    const s = this.#snapshots[life]
    // No kill ended that life (only possible for the current one): nothing was lost with a kill.
    return s?.get(deviceId)?.has(seq) ?? false
  }

  /** Accepted sends not yet delivered to every other member device. */
  missing(): string[] {
    const out: string[] = []
    for (const sender of this.devices.values()) {
      for (const [messageId, groupId] of sender.accepted) {
        for (const label of this.groups.get(groupId) ?? []) {
          const r = this.devices.get(label)
          if (!r || r === sender) continue
          if (!r.received(sender.deviceId, messageId)) out.push(`${sender.label} → ${r.label}: ${messageId}`)
        }
      }
    }
    return out
  }

  verdict(): SoakVerdict {
    const duplicates = Object.fromEntries(Object.keys(DUPLICATE_CAUSES).map((c) => [c, 0])) as Record<DuplicateCause, number>
    const refused: Record<string, number> = {}
    let sends = 0
    let accepted = 0
    let delivered = 0
    let deliverFrames = 0
    let acksNotForwarded = 0
    let malformedFrames = 0
    for (const d of this.devices.values()) {
      sends += d.sent.size
      accepted += d.accepted.size
      delivered += d.deliveredMessages
      deliverFrames += d.deliverFrames
      acksNotForwarded += d.acksNotForwarded
      malformedFrames += d.malformed
      for (const [c, n] of d.duplicates) duplicates[c] += n
      for (const [c, n] of d.refused) refused[c] = (refused[c] ?? 0) + n
    }
    const violations = (Object.keys(DUPLICATE_CAUSES) as DuplicateCause[]).filter((c) => !DUPLICATE_CAUSES[c].allowed).reduce((a, c) => a + duplicates[c], 0)
    return {
      kills: this.#acksLost.length,
      sends,
      accepted,
      delivered,
      deliverFrames,
      lost: this.missing(),
      duplicates,
      violations,
      acksLostPerKill: [...this.#acksLost],
      oldestLostAckMs: [...this.#oldestLostAck],
      acksNotForwarded,
      refused,
      malformedFrames,
    }
  }
}
