// An organisation's governance records on PostgreSQL (GovernanceStorage of @candor/ports): its
// audit log's leaves (appended under a transaction-scoped advisory lock of the organisation, so
// indexes have no gaps across nodes), its SIEM settings, approval requests and policy versions.
import type { OrgId, UserId } from '@candor/protocol'
import type { ApprovalRecord, AuditLeafRecord, GovernanceStorage, PolicyVersionRecord } from '@candor/ports'
import { bytes, transaction, type Sql } from './connection.ts'

interface ApprovalRow {
  org_id: string
  approval_id: string
  action: string
  target: string
  reason: string
  requested_by: string
  requested_at: string | number
  expires_at: string | number
  state: ApprovalRecord['state']
  approved_by: string | null
  approved_at: string | number | null
  executed_at: string | number | null
}
interface PolicyRow {
  org_id: string
  version: number
  note: string
  audit_index: string | number
  created_by: string
  created_at: string | number
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v))
const approval = (r: ApprovalRow): ApprovalRecord => ({
  id: r.approval_id,
  org: r.org_id as OrgId,
  action: r.action,
  target: r.target,
  reason: r.reason,
  requestedBy: r.requested_by as UserId,
  requestedAt: Number(r.requested_at),
  expiresAt: Number(r.expires_at),
  state: r.state,
  approvedBy: r.approved_by as UserId | null,
  approvedAt: num(r.approved_at),
  executedAt: num(r.executed_at),
})
const policy = (r: PolicyRow): PolicyVersionRecord => ({
  org: r.org_id as OrgId,
  version: r.version,
  note: r.note,
  auditIndex: Number(r.audit_index),
  createdBy: r.created_by as UserId,
  createdAt: Number(r.created_at),
})

export class PostgresGovernance implements GovernanceStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async appendAuditLeaf(org: OrgId, entry: Uint8Array, leafHash: Uint8Array, loggedAt: number): Promise<number> {
    return transaction(this.#sql, async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${'org-audit:' + org}))`
      const [r] = await tx<{ idx: number }[]>`
        INSERT INTO org_audit_log (org_id, idx, leaf_hash, entry, logged_at)
        SELECT ${org}, coalesce(max(idx) + 1, 0), ${Buffer.from(leafHash)}, ${Buffer.from(entry)}, ${loggedAt}
        FROM org_audit_log WHERE org_id = ${org} RETURNING idx`
      return Number(r!.idx)
    })
  }

  async auditLeafHashes(org: OrgId, fromIndex: number, limit: number): Promise<Uint8Array[]> {
    const rows = await this.#sql<{ leaf_hash: Buffer }[]>`
      SELECT leaf_hash FROM org_audit_log WHERE org_id = ${org} AND idx >= ${fromIndex} ORDER BY idx LIMIT ${limit}`
    return rows.map((r) => bytes(r.leaf_hash))
  }

  async auditLeaves(org: OrgId, fromIndex: number, limit: number): Promise<AuditLeafRecord[]> {
    const rows = await this.#sql<{ idx: number; entry: Buffer; logged_at: string | number }[]>`
      SELECT idx, entry, logged_at FROM org_audit_log WHERE org_id = ${org} AND idx >= ${fromIndex} ORDER BY idx LIMIT ${limit}`
    return rows.map((r) => ({ org, index: Number(r.idx), entry: bytes(r.entry), loggedAt: Number(r.logged_at) }))
  }

  async setSiemConfig(org: OrgId, config: string | null, at: number): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      if ((await tx`SELECT 1 FROM organisations WHERE org_id = ${org}`).length === 0) return false
      if (config === null) await tx`DELETE FROM org_siem WHERE org_id = ${org}`
      else
        await tx`INSERT INTO org_siem (org_id, config, updated_at) VALUES (${org}, ${config}, ${at})
          ON CONFLICT (org_id) DO UPDATE SET config = EXCLUDED.config, updated_at = EXCLUDED.updated_at`
      return true
    })
  }

  async getSiemConfig(org: OrgId): Promise<string | null> {
    const [r] = await this.#sql<{ config: string }[]>`SELECT config FROM org_siem WHERE org_id = ${org}`
    return r?.config ?? null
  }

  async createApproval(a: ApprovalRecord): Promise<boolean> {
    const r = await this.#sql`
      INSERT INTO org_approvals (org_id, approval_id, action, target, reason, requested_by, requested_at, expires_at, state, approved_by, approved_at, executed_at)
      VALUES (${a.org}, ${a.id}, ${a.action}, ${a.target}, ${a.reason}, ${a.requestedBy}, ${a.requestedAt}, ${a.expiresAt}, ${a.state}, ${a.approvedBy}, ${a.approvedAt}, ${a.executedAt})
      ON CONFLICT DO NOTHING RETURNING 1`
    return r.length === 1
  }

  async getApproval(org: OrgId, id: string): Promise<ApprovalRecord | null> {
    const [r] = await this.#sql<ApprovalRow[]>`SELECT * FROM org_approvals WHERE org_id = ${org} AND approval_id = ${id}`
    return r ? approval(r) : null
  }

  async openApprovals(org: OrgId, now: number): Promise<ApprovalRecord[]> {
    const rows = await this.#sql<ApprovalRow[]>`
      SELECT * FROM org_approvals WHERE org_id = ${org} AND state IN ('pending','approved') AND expires_at > ${now} ORDER BY requested_at, approval_id`
    return rows.map(approval)
  }

  async approve(org: OrgId, id: string, by: UserId, at: number): Promise<'approved' | 'not_found' | 'not_pending' | 'same_admin'> {
    return transaction(this.#sql, async (tx) => {
      const [r] = await tx<ApprovalRow[]>`SELECT * FROM org_approvals WHERE org_id = ${org} AND approval_id = ${id} FOR UPDATE`
      if (!r) return 'not_found' as const
      if (r.requested_by === by) return 'same_admin' as const
      if (r.state !== 'pending' || Number(r.expires_at) <= at) return 'not_pending' as const
      await tx`UPDATE org_approvals SET state = 'approved', approved_by = ${by}, approved_at = ${at} WHERE org_id = ${org} AND approval_id = ${id}`
      return 'approved' as const
    })
  }

  async decline(org: OrgId, id: string, at: number): Promise<boolean> {
    const r = await this.#sql`
      UPDATE org_approvals SET expires_at = ${at}
      WHERE org_id = ${org} AND approval_id = ${id} AND state = 'pending' AND expires_at > ${at} RETURNING 1`
    return r.length === 1
  }

  async withdraw(org: OrgId, id: string, at: number): Promise<boolean> {
    const r = await this.#sql`
      UPDATE org_approvals SET state = 'withdrawn', expires_at = ${at}
      WHERE org_id = ${org} AND approval_id = ${id} AND state = 'pending' AND expires_at > ${at} RETURNING 1`
    return r.length === 1
  }

  async approvalsRequestedBy(org: OrgId, requestedBy: UserId, actionPrefix: string, limit: number): Promise<ApprovalRecord[]> {
    const rows = await this.#sql<ApprovalRow[]>`
      SELECT * FROM org_approvals WHERE org_id = ${org} AND requested_by = ${requestedBy} AND left(action, ${actionPrefix.length}) = ${actionPrefix}
      ORDER BY requested_at DESC, approval_id DESC LIMIT ${limit}`
    return rows.map(approval)
  }

  async markExecuted(org: OrgId, id: string, at: number): Promise<boolean> {
    const r = await this.#sql`
      UPDATE org_approvals SET state = 'executed', executed_at = ${at}
      WHERE org_id = ${org} AND approval_id = ${id} AND state = 'approved' AND expires_at > ${at} RETURNING 1`
    return r.length === 1
  }

  async appendPolicyVersion(p: PolicyVersionRecord): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${'org-policy:' + p.org}))`
      const [l] = await tx<{ v: number | null }[]>`SELECT max(version) AS v FROM org_policies WHERE org_id = ${p.org}`
      if (p.version !== (l?.v ?? 0) + 1) return false
      await tx`INSERT INTO org_policies (org_id, version, note, audit_index, created_by, created_at)
        VALUES (${p.org}, ${p.version}, ${p.note}, ${p.auditIndex}, ${p.createdBy}, ${p.createdAt})`
      return true
    })
  }

  async policyVersion(org: OrgId, version: number | null): Promise<PolicyVersionRecord | null> {
    const [r] =
      version === null
        ? await this.#sql<PolicyRow[]>`SELECT * FROM org_policies WHERE org_id = ${org} ORDER BY version DESC LIMIT 1`
        : await this.#sql<PolicyRow[]>`SELECT * FROM org_policies WHERE org_id = ${org} AND version = ${version}`
    return r ? policy(r) : null
  }
}
