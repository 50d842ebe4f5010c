// Users and their devices: the part of the Store that creates a user with its first device, adds,
// reads and revokes devices. Enrolment requests (a device asking to join) are in enrolment-store.ts.
import type { DeviceId, DeviceStatus, GroupId, UserId } from '@candor/protocol'
import type { NewMembership } from './organisation-store.ts'

/** The signature that enrolled a device: its own registration, or an existing device's approval. */
export interface DeviceAttestation {
  /** The approving device, or 'recovery' for the person's recovery key (docs/protocol.md §4.2). */
  by: DeviceId | 'recovery'
  signature: Uint8Array
}

export interface DeviceRecord {
  deviceId: DeviceId
  userId: UserId
  name: string
  publicKey: Uint8Array
  status: DeviceStatus
  createdAt: number
  /** Absent while a device is pending approval. */
  attestation?: DeviceAttestation
}

/** A device as a session check sees it (Store.deviceAccess). */
export interface DeviceAccess {
  userId: UserId
  status: DeviceStatus
  /** The user's organisation has identity-provider settings (set with setSsoConfig). */
  orgHasSso: boolean
}

/** Users and devices (part of Store). */
export interface DeviceStore {
  /**
   * Creates the user, its first (active) device and its membership (default: a member of
   * `default`), and records a directory update for the user (directoryBacklog), in one
   * transaction. Throws CandorError('user_exists'), or CandorError('user_id_reserved') for the
   * id of an erased account (unless its organisation provisioned the same person again over
   * SCIM: createScimUser, and `membership.org` is that organisation); either changes nothing.
   */
  createUser(userId: UserId, device: DeviceRecord, membership?: NewMembership): Promise<void>
  userExists(userId: UserId): Promise<boolean>
  /** Adds a further device as it is; throws on a duplicate id. (Enrolment goes through fileEnrolment.) */
  addDevice(device: DeviceRecord): Promise<void>
  getDevice(deviceId: DeviceId): Promise<DeviceRecord | null>
  /**
   * What checking a session token needs of its device, in one read: the device's user and
   * status, and whether the user's organisation has identity-provider settings (getSsoConfig
   * not null — only then can SSO apply, by the settings or by the policy's sso.required).
   * Null when there is no such device.
   */
  deviceAccess(deviceId: DeviceId): Promise<DeviceAccess | null>
  listDevices(userId: UserId): Promise<DeviceRecord[]>
  /**
   * Revokes the user's device in one transaction: its status becomes revoked, its queue and key
   * packages are deleted, it leaves every group's delivery roster, and a directory update for the
   * user is recorded (directoryBacklog). Returns the device as it was and the groups it left;
   * null when the user has no such device. A device revoked already is returned unchanged, with
   * no groups, and nothing is recorded.
   */
  revokeDevice(deviceId: DeviceId, userId: UserId): Promise<{ device: DeviceRecord; groups: GroupId[] } | null>
  /**
   * The groups devices of this user left by their revocation (recorded in revokeDevice's
   * transaction, once per group; erased with the account), sorted: where a recovered device of
   * the person may take a revoked device's place (docs/protocol.md §5.2). Whether the group's
   * tree still has a leaf of theirs is the caller's check.
   */
  formerGroups(userId: UserId): Promise<GroupId[]>
}
