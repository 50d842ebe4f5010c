// Consent to be contacted (docs/protocol.md §5.5): who is whose contact, who blocked whom, the
// requests a first conversation from a stranger becomes, and the deliveries held while a request
// is pending. Reached through Store.contacts(); the contract suite runs it on every adapter.
import type { DeviceId, GroupId, MessageId, MessageKind, OrgId, UserId } from '@candor/protocol'

export type RequestState = 'pending' | 'accepted' | 'declined'

export interface ContactRequestRecord {
  /** 16 random bytes, canonical base64url (an opaque id). */
  requestId: string
  recipient: UserId
  sender: UserId
  /** The device whose commit added the recipient. */
  senderDevice: DeviceId
  groupId: GroupId
  /** The recipient's devices in the group whose deliveries are held. */
  devices: DeviceId[]
  state: RequestState
  createdAt: number
  /** Messages held for the request (distinct message ids), the welcome included. */
  held: number
}

/** One delivery held for the devices of a request. */
export interface HeldMessage {
  messageId: MessageId
  groupId: GroupId
  sender: DeviceId
  kind: MessageKind
  sentAt: number
  payload: Uint8Array
}

/** A released held delivery: queued for `deviceId` at `seq`. */
export interface ReleasedMessage extends HeldMessage {
  deviceId: DeviceId
  seq: number
}

/** Bounds on held messages (LIMITS of @candor/protocol); welcomes do not count per request. */
export interface HoldLimits {
  perRequest: number
  perSender: number
  perRecipient: number
}

export interface HoldInput {
  recipient: UserId
  groupId: GroupId
  devices: readonly DeviceId[]
  message: HeldMessage
  /**
   * Set for a welcome: the request to open when (recipient, group) has none. A pending one is
   * extended with `devices`; without it only a pending request holds anything.
   */
  open?: { requestId: string; sender: UserId; senderDevice: DeviceId; createdAt: number }
}

export type HoldResult =
  | { held: true; requestId: string; created: boolean }
  /** Nothing changed: over a quota, or the request is settled (or there is none). */
  | { held: false; reason: 'quota_request' | 'quota_sender' | 'quota_recipient' | 'accepted' | 'declined' | 'none' }

/** What holding one message for several requests did: held for all of them, or for none. */
export type HoldAllResult =
  | { held: true; results: HoldResult[] }
  /** Nothing changed: the request of `recipient` is over a quota. */
  | { held: false; recipient: UserId; reason: 'quota_request' | 'quota_sender' | 'quota_recipient' }

export interface BlockRecord {
  userId: UserId
  at: number
}

export interface ContactStorage {
  /** True when `user` has `contact` as a contact (messages from `contact` need no request). */
  isContact(user: UserId, contact: UserId): Promise<boolean>
  /** Makes `contact` a contact of `user`; false when it was one. */
  addContact(user: UserId, contact: UserId, at: number): Promise<boolean>

  /** `user` blocks `blocked`; false when it was blocked already. */
  block(user: UserId, blocked: UserId, at: number): Promise<boolean>
  unblock(user: UserId, blocked: UserId): Promise<boolean>
  /** Whom `user` blocks, oldest first. */
  listBlocks(user: UserId): Promise<BlockRecord[]>
  isBlocked(user: UserId, blocked: UserId): Promise<boolean>
  /** The devices (any status) of the users who block `blocked`. */
  blockingDevices(blocked: UserId): Promise<DeviceId[]>

  /** True when members of `org` need a request from one another (default false). */
  requestsInsideOrg(org: OrgId): Promise<boolean>
  /** False when there is no such organisation. */
  setRequestsInsideOrg(org: OrgId, on: boolean): Promise<boolean>

  /**
   * Holds one message for the recipient's devices in one transaction: opens or extends the
   * request when `open` is given, refuses over a quota (counting distinct message ids of pending
   * requests; per request not counting welcomes), and changes nothing when it refuses.
   */
  hold(h: HoldInput, limits: HoldLimits): Promise<HoldResult>
  /**
   * Holds one message for several requests (the pending requests of one group) in one
   * transaction: for every one of them, or — when any is over a quota — for none, and the first
   * refusal is returned with its recipient. A settled request (or none) holds nothing and does
   * not stop the others (its result says so).
   */
  holdAll(holds: readonly HoldInput[], limits: HoldLimits): Promise<HoldAllResult>
  /** The request of (recipient, group), any state, or null: there is at most one. */
  requestIn(groupId: GroupId, recipient: UserId): Promise<ContactRequestRecord | null>
  /** The pending requests of a group. */
  pendingIn(groupId: GroupId): Promise<ContactRequestRecord[]>
  getRequest(requestId: string): Promise<ContactRequestRecord | null>
  /** The recipient's pending requests, oldest first. */
  listRequests(recipient: UserId): Promise<ContactRequestRecord[]>
  /**
   * Deletes a pending request and its holds (a commit refused after it was gated); false when
   * it is not pending.
   */
  abandonRequest(requestId: string): Promise<boolean>
  /**
   * Accepts the recipient's pending request in one transaction: the two become contacts both
   * ways, the request's devices that are still active join the group's delivery roster and its
   * held messages are queued to them in the order they were held. Null when the recipient has
   * no such pending request.
   */
  acceptRequest(requestId: string, recipient: UserId, at: number): Promise<{ request: ContactRequestRecord; released: ReleasedMessage[] } | null>
  /** Declines it: held messages are deleted; false when the recipient has no such pending request. */
  declineRequest(requestId: string, recipient: UserId): Promise<boolean>
}
