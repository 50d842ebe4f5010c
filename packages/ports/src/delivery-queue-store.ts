// The delivery queue: messages stored once and queued for each recipient device, fetched in
// seq order and deleted when acknowledged. Part of the Store.
import type { DeviceId, GroupId, MessageId, MessageKind } from '@candor/protocol'

export interface NewMessage {
  messageId: MessageId
  groupId: GroupId
  sender: DeviceId
  kind: MessageKind
  sentAt: number
  payload: Uint8Array
  recipients: readonly DeviceId[]
}

/** Where one stored message went: the recipient device and its queue position. */
export interface Delivery {
  deviceId: DeviceId
  seq: number
}

export interface AppendResult {
  /** True when (sender, messageId) was stored before: nothing new was queued. */
  duplicate: boolean
  sentAt: number
  deliveries: Delivery[]
}

export interface QueuedMessage {
  seq: number
  messageId: MessageId
  groupId: GroupId
  sender: DeviceId
  kind: MessageKind
  sentAt: number
  payload: Uint8Array
}

/** Each device's message queue (part of Store). */
export interface DeliveryQueueStore {
  /**
   * True when each device's queue seqs are contiguous (1, 2, 3, … per device, no holes) and
   * become visible in seq order, so a committed seq implies every lower seq of that device
   * is committed (PostgreSQL: a per-device counter row locked until commit). A live
   * connection then treats a delivery with seq > last pushed + 1 as "fetch the queue", never
   * pushing past the gap. False when seqs only increase (SQLite: one global counter, so a
   * device sees 3, 7, 12, …); gaps then mean nothing and deliveries are pushed as they come.
   */
  readonly contiguousSeqs: boolean

  /**
   * Stores a batch of messages in one durable transaction and queues each for its
   * recipients. Idempotent by (sender, messageId, kind): a commit and its welcome share an id.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>

  /** Queued messages of a device with seq > afterSeq, oldest first. */
  fetchQueue(deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]>
  /** Deletes acknowledged queue entries; returns how many existed. */
  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number>
  pendingCount(deviceId: DeviceId): Promise<number>
}
