// Enrolment requests: a new device asks to become a device of a user, and one of the user's
// devices (or their recovery key) approves it. Part of the Store.
import type { DeviceId, UserId } from '@candor/protocol'
import type { DeviceAttestation, DeviceRecord } from './device-store.ts'

/**
 * A request, filed by a new device itself, to become a device of `userId`. It is not a device:
 * it counts toward no limit but its own, and it is gone once approved, denied, dropped for a
 * newer one or expired.
 */
export interface EnrolmentRecord {
  deviceId: DeviceId
  userId: UserId
  name: string
  publicKey: Uint8Array
  createdAt: number
  expiresAt: number
}

/** Enrolment requests (part of Store). */
export interface EnrolmentStore {
  /**
   * Files an enrolment request in one transaction: first deletes every request expired at
   * `now` (anyone's), then refuses a key that is already a device (CandorError('conflict')) or
   * a user that does not exist (CandorError('unknown_user')), replaces an earlier request of
   * the same key, and when the user already has `maxPending` requests drops the oldest filed.
   * Returns the ids of the requests it dropped to make room.
   */
  fileEnrolment(request: EnrolmentRecord, maxPending: number, now: number): Promise<{ dropped: DeviceId[] }>
  /** The user's requests that have not expired at `now`, oldest filed first. */
  listEnrolments(userId: UserId, now: number): Promise<EnrolmentRecord[]>
  /** The request of this device id if it has not expired at `now`, else null. */
  getEnrolment(deviceId: DeviceId, now: number): Promise<EnrolmentRecord | null>
  /**
   * Makes the user's request an active device with this attestation, deletes the request and
   * records a directory update for the user (directoryBacklog), in one transaction; null when the user has no such request unexpired at `now` (denied,
   * dropped, expired or approved already). Refuses with CandorError('forbidden') when the user
   * already has `maxDevices` active devices. With `hold`, the device is made `pending` instead
   * (held for an admin's approval: OrgDeviceStorage.activateHeldDevice) and no directory update is recorded.
   */
  approveEnrolment(deviceId: DeviceId, userId: UserId, attestation: DeviceAttestation, now: number, maxDevices: number, hold?: boolean): Promise<DeviceRecord | null>
  /** Deletes the user's request of this device id; false when there was none. */
  denyEnrolment(deviceId: DeviceId, userId: UserId): Promise<boolean>
}
