// Web Push subscriptions (docs/protocol.md, "Web Push"): at most one per device, where the
// server sends a content-free wake-up when something waits for the device while it is offline.
// Reached through Store.pushSubscriptions(); the contract suite runs it on every adapter.
import type { DeviceId, UserId } from '@candor/protocol'

export interface PushSubscriptionRecord {
  deviceId: DeviceId
  userId: UserId
  /** The push service's URL for this browser (RFC 8030), https outside tests. */
  endpoint: string
  /** The browser's P-256 public key (65 bytes, uncompressed), base64url: RFC 8291 `ua_public`. */
  p256dh: string
  /** The RFC 8291 authentication secret (16 bytes), base64url. */
  auth: string
  createdAt: number
}

export interface PushSubscriptionStorage {
  /** Sets the device's subscription, replacing any earlier one. */
  put(record: PushSubscriptionRecord): Promise<void>
  get(deviceId: DeviceId): Promise<PushSubscriptionRecord | null>
  /** Deletes the device's subscription; true when there was one. */
  delete(deviceId: DeviceId): Promise<boolean>
}
