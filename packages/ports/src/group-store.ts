// Groups: their epochs, delivery rosters and public GroupInfo, accepted commits, conversation
// resets and the sweep of group state nobody needs any more. Part of the Store.
import type { DeviceId, GroupId, MessageId } from '@candor/protocol'
import type { Delivery } from './delivery-queue-store.ts'

export interface GroupRecord {
  groupId: GroupId
  epoch: number
  members: DeviceId[]
}

export interface CommitInput {
  groupId: GroupId
  /** The epoch the commit was made in; it must equal the group's current epoch. */
  epoch: number
  sender: DeviceId
  messageId: MessageId
  sentAt: number
  commit: Uint8Array
  welcome: Uint8Array | undefined
  /** Devices that join the delivery roster (the welcome goes to them). */
  added: readonly DeviceId[]
  /** Devices that leave the delivery roster (they are still sent the commit). */
  removed: readonly DeviceId[]
  /** The group's GroupInfo after the commit (docs/protocol.md §5.1), kept as its public state. */
  groupInfo: Uint8Array
}

/** What the group-state sweep may delete (Store.sweepGroupState). */
export interface GroupStateSweep {
  supersededBefore: number
  keepEpochs: number
  limit: number
}

export interface GroupStateSwept {
  /** GroupInfos deleted (of groups reset before the cut-off). */
  groupInfos: number
  /** Accepted-commit records deleted (of at most `limit` groups). */
  commits: number
}

/**
 * A conversation reset onto a new MLS group (docs/protocol.md §5.4): `groupId` replaced
 * `previousGroup` under the same conversation, created by `resetBy` at `epoch` of the previous group.
 */
export interface GroupReset {
  conversationId: GroupId
  previousGroup: GroupId
  groupId: GroupId
  /** The previous group's epoch the resetting device was at. */
  epoch: number
  resetBy: DeviceId
  resetAt: number
}

export type ResetResult = { reset: true } | { reset: false; existing: GroupReset | null }

export type CommitResult =
  | { accepted: true; epoch: number; sentAt: number; deliveries: Delivery[] }
  | { accepted: false; epoch: number }

/** Groups, commits and resets (part of Store). */
export interface GroupStore {
  /**
   * Creates a group at epoch 0 with its creator as the only member and `groupInfo` (the creator's
   * signed GroupInfo at epoch 0) as its public state; false if the id exists. (The server always
   * passes the group info; store tests of unrelated features may leave it out.)
   */
  createGroup(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean>
  /** The group's latest GroupInfo (its public state, docs/protocol.md §5.1); null for no group or none stored. */
  groupInfo(groupId: GroupId): Promise<Uint8Array | null>
  getGroup(groupId: GroupId): Promise<GroupRecord | null>
  listGroups(deviceId: DeviceId): Promise<GroupRecord[]>
  /** Removes a device from a group's delivery roster without an epoch change (leave, revoke). */
  removeMember(groupId: GroupId, deviceId: DeviceId): Promise<void>

  /**
   * Accepts a commit only if `epoch` is the group's current epoch: bumps the epoch, applies
   * the roster change, queues the commit to the other members (removed ones included) and
   * the welcome to the added devices, all in one transaction.
   */
  acceptCommit(c: CommitInput): Promise<CommitResult>
  /**
   * The message id of the commit accepted at `epoch` (the one that moved the group from `epoch`
   * to `epoch + 1`), recorded in acceptCommit's transaction; null when none was, or the group
   * does not exist. A committer whose answer was lost (a timeout, a crash) learns from it
   * whether its commit was the one.
   */
  acceptedCommit(groupId: GroupId, epoch: number): Promise<MessageId | null>

  /**
   * Resets a conversation in one transaction: creates `groupId` at epoch 0 with `resetBy` as its
   * only member and records it as the reset of `previousGroup`. A group is reset at most once:
   * `{ reset: false, existing }` when `previousGroup` was reset already (that reset), and
   * `{ reset: false, existing: null }` when `groupId` is taken; nothing changes then.
   */
  resetGroup(r: GroupReset, groupInfo?: Uint8Array): Promise<ResetResult>
  /** The reset that created this group (`from`) and the reset that replaced it (`to`), each null when none. */
  groupResets(groupId: GroupId): Promise<{ from: GroupReset | null; to: GroupReset | null }>
  /**
   * Deletes group state nobody can need any more (docs/protocol.md §5.10): the GroupInfo and the
   * accepted-commit records of groups reset onto a new one before `supersededBefore`; the
   * accepted-commit records of groups with no member left; and, of every other group, the
   * accepted-commit records more than `keepEpochs` epochs behind its epoch. At most `limit`
   * GroupInfos and the commit records of at most `limit` groups per call: the caller calls again
   * while it deletes any.
   * The groups' rows, rosters and reset links stay.
   */
  sweepGroupState(o: GroupStateSweep): Promise<GroupStateSwept>
}
