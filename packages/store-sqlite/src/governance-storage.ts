// An organisation's governance records on SQLite (GovernanceStorage of @candor/ports): its audit
// log's leaves (index = MAX(idx) + 1 of the organisation inside one immediate transaction, so no
// gaps), its SIEM settings, approval requests and policy versions.
import type Database from 'better-sqlite3'
import type { OrgId, UserId } from '@candor/protocol'
import type { ApprovalRecord, AuditLeafRecord, GovernanceStorage, PolicyVersionRecord } from '@candor/ports'

interface ApprovalRow {
  org_id: string
  approval_id: string
  action: string
  target: string
  reason: string
  requested_by: string
  requested_at: number
  expires_at: number
  state: ApprovalRecord['state']
  approved_by: string | null
  approved_at: number | null
  executed_at: number | null
}
interface PolicyRow {
  org_id: string
  version: number
  note: string
  audit_index: number
  created_by: string
  created_at: number
}

const approval = (r: ApprovalRow): ApprovalRecord => ({
  id: r.approval_id,
  org: r.org_id as OrgId,
  action: r.action,
  target: r.target,
  reason: r.reason,
  requestedBy: r.requested_by as UserId,
  requestedAt: r.requested_at,
  expiresAt: r.expires_at,
  state: r.state,
  approvedBy: r.approved_by as UserId | null,
  approvedAt: r.approved_at,
  executedAt: r.executed_at,
})
const policy = (r: PolicyRow): PolicyVersionRecord => ({
  org: r.org_id as OrgId,
  version: r.version,
  note: r.note,
  auditIndex: r.audit_index,
  createdBy: r.created_by as UserId,
  createdAt: r.created_at,
})

export class SqliteGovernance implements GovernanceStorage {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  async appendAuditLeaf(org: OrgId, entry: Uint8Array, leafHash: Uint8Array, loggedAt: number): Promise<number> {
    const insert = this.#db.prepare(
      `INSERT INTO org_audit_log (org_id, idx, leaf_hash, entry, logged_at)
       VALUES (?, (SELECT COALESCE(MAX(idx) + 1, 0) FROM org_audit_log WHERE org_id = ?), ?, ?, ?) RETURNING idx`,
    )
    return this.#db.transaction(() => insert.pluck().get(org, org, Buffer.from(leafHash), Buffer.from(entry), loggedAt) as number).immediate()
  }

  async auditLeafHashes(org: OrgId, fromIndex: number, limit: number): Promise<Uint8Array[]> {
    const rows = this.#db.prepare('SELECT leaf_hash FROM org_audit_log WHERE org_id = ? AND idx >= ? ORDER BY idx LIMIT ?').pluck().all(org, fromIndex, limit) as Buffer[]
    return rows.map((b) => new Uint8Array(b))
  }

  async auditLeaves(org: OrgId, fromIndex: number, limit: number): Promise<AuditLeafRecord[]> {
    const rows = this.#db.prepare('SELECT idx, entry, logged_at FROM org_audit_log WHERE org_id = ? AND idx >= ? ORDER BY idx LIMIT ?').all(org, fromIndex, limit) as {
      idx: number
      entry: Buffer
      logged_at: number
    }[]
    return rows.map((r) => ({ org, index: r.idx, entry: new Uint8Array(r.entry), loggedAt: r.logged_at }))
  }

  async setSiemConfig(org: OrgId, config: string | null, at: number): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#db.prepare('SELECT 1 FROM organisations WHERE org_id = ?').get(org) === undefined) return false
      if (config === null) this.#db.prepare('DELETE FROM org_siem WHERE org_id = ?').run(org)
      else this.#db.prepare('INSERT INTO org_siem (org_id, config, updated_at) VALUES (?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at').run(org, config, at)
      return true
    })()
  }

  async getSiemConfig(org: OrgId): Promise<string | null> {
    return (this.#db.prepare('SELECT config FROM org_siem WHERE org_id = ?').pluck().get(org) as string | undefined) ?? null
  }

  async createApproval(a: ApprovalRecord): Promise<boolean> {
    const r = this.#db
      .prepare(
        `INSERT INTO org_approvals (org_id, approval_id, action, target, reason, requested_by, requested_at, expires_at, state, approved_by, approved_at, executed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(a.org, a.id, a.action, a.target, a.reason, a.requestedBy, a.requestedAt, a.expiresAt, a.state, a.approvedBy, a.approvedAt, a.executedAt)
    return r.changes === 1
  }

  async getApproval(org: OrgId, id: string): Promise<ApprovalRecord | null> {
    const r = this.#db.prepare('SELECT * FROM org_approvals WHERE org_id = ? AND approval_id = ?').get(org, id) as ApprovalRow | undefined
    return r ? approval(r) : null
  }

  async openApprovals(org: OrgId, now: number): Promise<ApprovalRecord[]> {
    const rows = this.#db
      .prepare("SELECT * FROM org_approvals WHERE org_id = ? AND state IN ('pending','approved') AND expires_at > ? ORDER BY requested_at, approval_id")
      .all(org, now) as ApprovalRow[]
    return rows.map(approval)
  }

  async approve(org: OrgId, id: string, by: UserId, at: number): Promise<'approved' | 'not_found' | 'not_pending' | 'same_admin'> {
    return this.#db.transaction(() => {
      const r = this.#db.prepare('SELECT * FROM org_approvals WHERE org_id = ? AND approval_id = ?').get(org, id) as ApprovalRow | undefined
      if (!r) return 'not_found' as const
      if (r.requested_by === by) return 'same_admin' as const
      if (r.state !== 'pending' || r.expires_at <= at) return 'not_pending' as const
      this.#db.prepare("UPDATE org_approvals SET state = 'approved', approved_by = ?, approved_at = ? WHERE org_id = ? AND approval_id = ?").run(by, at, org, id)
      return 'approved' as const
    }).immediate()
  }

  async decline(org: OrgId, id: string, at: number): Promise<boolean> {
    const r = this.#db
      .prepare("UPDATE org_approvals SET expires_at = ? WHERE org_id = ? AND approval_id = ? AND state = 'pending' AND expires_at > ?")
      .run(at, org, id, at)
    return r.changes === 1
  }

  async withdraw(org: OrgId, id: string, at: number): Promise<boolean> {
    const r = this.#db
      .prepare("UPDATE org_approvals SET state = 'withdrawn', expires_at = ? WHERE org_id = ? AND approval_id = ? AND state = 'pending' AND expires_at > ?")
      .run(at, org, id, at)
    return r.changes === 1
  }

  async approvalsRequestedBy(org: OrgId, requestedBy: UserId, actionPrefix: string, limit: number): Promise<ApprovalRecord[]> {
    const rows = this.#db
      .prepare('SELECT * FROM org_approvals WHERE org_id = ? AND requested_by = ? AND substr(action, 1, ?) = ? ORDER BY requested_at DESC, approval_id DESC LIMIT ?')
      .all(org, requestedBy, actionPrefix.length, actionPrefix, limit) as ApprovalRow[]
    return rows.map(approval)
  }

  async markExecuted(org: OrgId, id: string, at: number): Promise<boolean> {
    const r = this.#db
      .prepare("UPDATE org_approvals SET state = 'executed', executed_at = ? WHERE org_id = ? AND approval_id = ? AND state = 'approved' AND expires_at > ?")
      .run(at, org, id, at)
    return r.changes === 1
  }

  async appendPolicyVersion(p: PolicyVersionRecord): Promise<boolean> {
    return this.#db.transaction(() => {
      const latest = (this.#db.prepare('SELECT MAX(version) FROM org_policies WHERE org_id = ?').pluck().get(p.org) as number | null) ?? 0
      if (p.version !== latest + 1) return false
      this.#db
        .prepare('INSERT INTO org_policies (org_id, version, note, audit_index, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(p.org, p.version, p.note, p.auditIndex, p.createdBy, p.createdAt)
      return true
    }).immediate()
  }

  async policyVersion(org: OrgId, version: number | null): Promise<PolicyVersionRecord | null> {
    const r = (
      version === null
        ? this.#db.prepare('SELECT * FROM org_policies WHERE org_id = ? ORDER BY version DESC LIMIT 1').get(org)
        : this.#db.prepare('SELECT * FROM org_policies WHERE org_id = ? AND version = ?').get(org, version)
    ) as PolicyRow | undefined
    return r ? policy(r) : null
  }
}
