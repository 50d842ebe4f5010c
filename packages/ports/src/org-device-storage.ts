// What the organisation policies about devices and guests need of the store (docs/organisations.md
// "Policies"): devices held for an admin's approval (`devices.adminApproval`), each device's
// last-seen day (`devices.revokeAfterDaysUnseen`; a day, never a finer time, to keep metadata low)
// and guests past their expiry (`contacts.guests.expiryDays`). Both adapters implement it and the
// contract suite (testkit org-device-contract.ts) runs on each.
import type { DeviceId, OrgId, UserId } from '@candor/protocol'
import type { DeviceRecord } from './device-store.ts'

export interface OrgDeviceStorage {
  /**
   * Devices of the organisation's people (members and guests) held for an admin's approval — status
   * `pending` with an attestation (approveEnrolment with `hold`) — oldest first, at most `limit`.
   */
  heldDevices(org: OrgId, limit: number): Promise<DeviceRecord[]>
  /**
   * Makes the user's held device active and records a directory update for the user, in one
   * transaction; null when the user has no such held device (approved, declined or revoked
   * meanwhile). Refuses with CandorError('forbidden') when the user already has `maxDevices`
   * active devices, changing nothing.
   */
  activateHeldDevice(deviceId: DeviceId, userId: UserId, maxDevices: number): Promise<DeviceRecord | null>
  /** Records that the device was seen on `day` (dayOf of @candor/protocol); an earlier day never replaces a later one. */
  markSeen(deviceId: DeviceId, day: number): Promise<void>
  /** The device's last-seen day, or null when it was never seen since last-seen days are kept. */
  lastSeenDay(deviceId: DeviceId): Promise<number | null>
  /**
   * Active devices of the organisation's people last seen before `beforeDay` — a device never seen
   * counts from the day it was created — oldest first, at most `limit`.
   */
  unseenDevices(org: OrgId, beforeDay: number, limit: number): Promise<Array<{ deviceId: DeviceId; userId: UserId }>>
  /** Guests the organisation hosts whose account was created before `createdBefore` (ms) and who still have an active or held device, at most `limit`. */
  expiredGuests(org: OrgId, createdBefore: number, limit: number): Promise<UserId[]>
  /** When the user's account was created (ms), or null when there is no such user. */
  userCreatedAt(userId: UserId): Promise<number | null>
}
