// An organisation's compliance records (docs/compliance.md): the archive key's versions with each
// compliance officer's sealed share of its private half, case-scoped unlock requests and the
// officers' approvals (each carrying a share re-sealed to the request's ephemeral key), and legal
// holds. The server stores ciphertext and signed statements only: it never holds a share in the
// clear, the archive's private key, or a record's plaintext. Payloads are JSON text the server
// parsed and checked before storing (packages/server/src/compliance).
import type { OrgId, UserId, DeviceId } from '@candor/protocol'

export interface ArchiveKeyVersionRecord {
  org: OrgId
  /** 1, 2, …: a re-split (an officer leaves or joins, k changes) is a new version. */
  version: number
  /** How many approvals open the archive. */
  k: number
  /** How many shares there are (one per officer device). */
  n: number
  /** The key record as the ceremony's device signed it (JSON text: public keys, k, n, officers). */
  record: string
  createdBy: UserId
  createdAt: number
  /** Its entry in the organisation's audit trail. */
  auditIndex: number
}

export interface OfficerShareRecord {
  org: OrgId
  version: number
  /** The officer's device the share is sealed to (HPKE to its directory-proven key). */
  device: DeviceId
  user: UserId
  /** The sealed share (JSON text: enc, ct). */
  sealed: string
}

export type UnlockState = 'pending' | 'opened' | 'withdrawn'

export interface UnlockRequestRecord {
  org: OrgId
  id: string
  /** The request as filed (JSON text: scope, reason, ephemeral key, key version, k). */
  request: string
  requestedBy: UserId
  requestedAt: number
  expiresAt: number
  state: UnlockState
  openedAt: number | null
}

export interface UnlockApprovalRecord {
  org: OrgId
  request: string
  user: UserId
  device: DeviceId
  /** The officer's signed approval with the re-sealed share (JSON text). */
  approval: string
  at: number
}

export interface LegalHoldRecord {
  org: OrgId
  id: string
  /** `user:<UserId>` or `conversation:<GroupId>`. */
  target: string
  /** The hold as placed (JSON text: case, why, until). */
  hold: string
  placedBy: UserId
  placedAt: number
  releasedAt: number | null
  releasedBy: UserId | null
}

export interface ComplianceStorage {
  /** Appends a key version with its shares, atomically; false unless `version` is the latest + 1. */
  appendArchiveKey(rec: ArchiveKeyVersionRecord, shares: readonly OfficerShareRecord[]): Promise<boolean>
  /** A version of the organisation's archive key, or the latest (null when it has none). */
  archiveKey(org: OrgId, version: number | null): Promise<ArchiveKeyVersionRecord | null>
  /** The shares of one version. */
  officerShares(org: OrgId, version: number): Promise<OfficerShareRecord[]>
  /** Deletes the shares of every version below `version` (a re-split of the same key makes them void); returns how many. */
  dropOfficerShares(org: OrgId, belowVersion: number): Promise<number>

  /** Files a request; false when the id exists. */
  createUnlock(rec: UnlockRequestRecord): Promise<boolean>
  getUnlock(org: OrgId, id: string): Promise<UnlockRequestRecord | null>
  /** The organisation's requests, newest first, at most `limit`. */
  listUnlocks(org: OrgId, limit: number): Promise<UnlockRequestRecord[]>
  /** Adds an officer's approval of a pending request; one per officer (person), first one kept. */
  addUnlockApproval(rec: UnlockApprovalRecord): Promise<'added' | 'duplicate' | 'not_pending'>
  unlockApprovals(org: OrgId, id: string): Promise<UnlockApprovalRecord[]>
  /** Moves a pending request to `state`, once; false when it was not pending. */
  settleUnlock(org: OrgId, id: string, state: Exclude<UnlockState, 'pending'>, at: number): Promise<boolean>

  /** Places a hold; false when the id exists. */
  placeHold(rec: LegalHoldRecord): Promise<boolean>
  /** Releases an active hold, once; false when there is none such or it was released. */
  releaseHold(org: OrgId, id: string, by: UserId, at: number): Promise<boolean>
  getHold(org: OrgId, id: string): Promise<LegalHoldRecord | null>
  /** The organisation's holds, oldest first; released ones too when `released`. */
  holdsOf(org: OrgId, released: boolean): Promise<LegalHoldRecord[]>
  /** Active holds, in any organisation, on any of these targets. */
  activeHoldsOn(targets: readonly string[]): Promise<LegalHoldRecord[]>
}
