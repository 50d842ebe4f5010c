// An organisation's governance records (docs/organisations.md): its audit trail (the leaves of
// its own append-only Merkle log, indexes from 0 with no gaps), where its trail is streamed (a
// SIEM), requests for a second admin's approval, and the versions of its signed policy.
import type { OrgId, UserId } from '@candor/protocol'

export interface AuditLeafRecord {
  org: OrgId
  /** Position in the organisation's log, from 0. */
  index: number
  /** The leaf's data: the entry as the server signed it into the log (UTF-8 JSON). */
  entry: Uint8Array
  loggedAt: number
}

/** `withdrawn`: its requester withdrew it while pending (its expiry is then the time it was withdrawn). */
export type ApprovalState = 'pending' | 'approved' | 'executed' | 'withdrawn'

export interface ApprovalRecord {
  id: string
  org: OrgId
  /** What is asked for (users.read, users.export, devices.suspend, notices.delay). */
  action: string
  /** The person or device it touches (`user:…`, `device:…`). */
  target: string
  /** The request's reason, as JSON text (why, case, delayUntil). */
  reason: string
  requestedBy: UserId
  requestedAt: number
  expiresAt: number
  state: ApprovalState
  approvedBy: UserId | null
  approvedAt: number | null
  executedAt: number | null
}

export interface PolicyVersionRecord {
  org: OrgId
  version: number
  /** The signed policy note, as served. */
  note: string
  /** Its entry in the organisation's audit log. */
  auditIndex: number
  createdBy: UserId
  createdAt: number
}

export interface GovernanceStorage {
  /** Appends the next leaf of the organisation's audit log; returns its index once durable. */
  appendAuditLeaf(org: OrgId, entry: Uint8Array, leafHash: Uint8Array, loggedAt: number): Promise<number>
  /** Leaf hashes from `fromIndex`, in order, at most `limit`. */
  auditLeafHashes(org: OrgId, fromIndex: number, limit: number): Promise<Uint8Array[]>
  /** Leaves from `fromIndex`, in order, at most `limit`. */
  auditLeaves(org: OrgId, fromIndex: number, limit: number): Promise<AuditLeafRecord[]>

  /** Where the trail is streamed (JSON text), or null to stop; false when there is no such organisation. */
  setSiemConfig(org: OrgId, config: string | null, at: number): Promise<boolean>
  getSiemConfig(org: OrgId): Promise<string | null>

  /** Files a pending request; false when the id exists. */
  createApproval(rec: ApprovalRecord): Promise<boolean>
  getApproval(org: OrgId, id: string): Promise<ApprovalRecord | null>
  /** Pending and approved (not yet executed, not expired) requests of the organisation, oldest first. */
  openApprovals(org: OrgId, now: number): Promise<ApprovalRecord[]>
  /**
   * Approves a pending, unexpired request by another admin than its requester, atomically:
   * 'same_admin' when `by` asked for it, 'not_pending' when it is no longer pending or expired.
   */
  approve(org: OrgId, id: string, by: UserId, at: number): Promise<'approved' | 'not_found' | 'not_pending' | 'same_admin'>
  /**
   * Declines (or withdraws) a pending, unexpired request: it ends at once (its expiry becomes `at`),
   * so it leaves the open list and can be neither approved nor used; false when it was not pending or had expired.
   */
  decline(org: OrgId, id: string, at: number): Promise<boolean>
  /**
   * Withdraws a pending, unexpired request by its requester, atomically: its state becomes
   * `withdrawn` and its expiry `at`; false when it was not pending or had expired.
   */
  withdraw(org: OrgId, id: string, at: number): Promise<boolean>
  /** The requests `requestedBy` filed whose action starts with `actionPrefix`, in any state, newest first, at most `limit`. */
  approvalsRequestedBy(org: OrgId, requestedBy: UserId, actionPrefix: string, limit: number): Promise<ApprovalRecord[]>
  /** Marks an approved request executed, once; false when it was not approved (or already executed, or expired). */
  markExecuted(org: OrgId, id: string, at: number): Promise<boolean>

  /** Appends a policy version; false unless `version` is the latest + 1 (1 for the first). */
  appendPolicyVersion(rec: PolicyVersionRecord): Promise<boolean>
  /** A version of the organisation's policy, or the latest (null when it has none). */
  policyVersion(org: OrgId, version: number | null): Promise<PolicyVersionRecord | null>
}
