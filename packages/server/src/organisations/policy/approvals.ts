// Two-person control (docs/organisations.md §Two-person control): where the organisation's policy
// says so, a sensitive action (reading a person's metadata, exporting it, suspending a device,
// delaying a person's notice) runs only with an approval that another admin gave to this very
// call — same requester, action, target and reason — and only once. Without one, the call is
// `forbidden` (details.approvalRequired) and nothing happens: no receipt, no audit entry.
import { randomBytes } from 'node:crypto'
import { CandorError, toBase64Url, type AccessReason, type ApprovableAction, type ApprovalInfo, type OrgId } from '@candor/protocol'
import type { AdminRecord, ApprovalRecord, Store } from '@candor/ports'
import type { OrgPolicies } from './org-policies.ts'

export type GatedAction = 'users.read' | 'users.export' | 'devices.suspend'

const reasonKey = (r: { why: string; case: string; delayUntil?: number | undefined }) => JSON.stringify([r.why, r.case, r.delayUntil ?? null])

export function approvalInfo(a: ApprovalRecord): ApprovalInfo {
  const r = JSON.parse(a.reason) as { why: string; case: string; delayUntil?: number }
  return {
    id: a.id,
    org: a.org,
    action: a.action,
    target: a.target,
    reason: { why: r.why, case: r.case, ...(r.delayUntil !== undefined ? { delayUntil: r.delayUntil } : {}) },
    requestedBy: a.requestedBy,
    requestedAt: a.requestedAt,
    expiresAt: a.expiresAt,
    state: a.state,
    approvedBy: a.approvedBy,
    approvedAt: a.approvedAt,
    executedAt: a.executedAt,
  }
}

export class Approvals {
  readonly #store: Store
  readonly #policies: OrgPolicies
  readonly #now: () => number

  constructor(store: Store, policies: OrgPolicies, now: () => number = Date.now) {
    this.#store = store
    this.#policies = policies
    this.#now = now
  }

  /** Whether the organisation's policy puts this call under two-person control. */
  async required(org: OrgId, action: GatedAction, reason: AccessReason): Promise<boolean> {
    const need: readonly ApprovableAction[] = (await this.#policies.current(org)).approvals.required
    return need.includes(action) || (reason.delayUntil !== undefined && need.includes('notices.delay'))
  }

  /** A new pending request (not stored yet: `save` it once its receipt and audit entry are written). */
  async draft(admin: AdminRecord, org: OrgId, action: GatedAction, target: string, reason: AccessReason): Promise<ApprovalRecord> {
    const now = this.#now()
    const hours = (await this.#policies.current(org)).approvals.validHours
    const rec: ApprovalRecord = {
      id: toBase64Url(randomBytes(16)),
      org,
      action,
      target,
      reason: JSON.stringify({ why: reason.why, case: reason.case, ...(reason.delayUntil !== undefined ? { delayUntil: reason.delayUntil } : {}) }),
      requestedBy: admin.userId,
      requestedAt: now,
      expiresAt: now + hours * 3600_000,
      state: 'pending',
      approvedBy: null,
      approvedAt: null,
      executedAt: null,
    }
    return rec
  }

  async save(rec: ApprovalRecord): Promise<void> {
    if (!(await this.#store.governance().createApproval(rec))) throw new CandorError('conflict', 'try again')
  }

  /**
   * Checks the call may run now: with no approval needed, null; else the approval it names, which
   * must be approved for exactly this call. The caller consumes it (`consume`) right before acting.
   */
  async check(admin: AdminRecord, org: OrgId, action: GatedAction, target: string, reason: AccessReason): Promise<ApprovalRecord | null> {
    if (!(await this.required(org, action, reason))) return null
    if (reason.approval === undefined) {
      throw new CandorError('forbidden', `the organisation's policy requires a second admin's approval of ${action}: request one (POST /v1/orgs/${org}/approvals)`, {
        details: { approvalRequired: true },
      })
    }
    const a = await this.#store.governance().getApproval(org, reason.approval)
    const same = a && a.requestedBy === admin.userId && a.action === action && a.target === target && reasonKey(JSON.parse(a.reason) as { why: string; case: string }) === reasonKey(reason)
    if (!a || !same) throw new CandorError('forbidden', 'this approval is not for this call', { details: { approvalRequired: true } })
    const ended = a.expiresAt <= this.#now()
    if (a.state !== 'approved' || ended) {
      const why = a.state === 'executed' ? 'used already' : a.state === 'pending' ? (ended ? 'declined or expired' : 'not given yet') : 'expired'
      throw new CandorError('forbidden', `this approval is ${why}`, { details: { approvalRequired: true } })
    }
    return a
  }

  /** Uses the approval, once (a second use, even at the same time, is refused). */
  async consume(a: ApprovalRecord): Promise<void> {
    if (!(await this.#store.governance().markExecuted(a.org, a.id, this.#now()))) throw new CandorError('forbidden', 'this approval was used already or expired', { details: { approvalRequired: true } })
  }
}
