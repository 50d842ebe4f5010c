// An organisation's compliance records on PostgreSQL (ComplianceStorage of @candor/ports): archive
// key versions with officers' sealed shares (appended under a transaction-scoped advisory lock of
// the organisation, only as the latest + 1), unlock requests and approvals, legal holds.
import type { DeviceId, OrgId, UserId } from '@candor/protocol'
import type {
  ArchiveKeyVersionRecord,
  ComplianceStorage,
  LegalHoldRecord,
  OfficerShareRecord,
  UnlockApprovalRecord,
  UnlockRequestRecord,
  UnlockState,
} from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

type N = string | number
interface KeyRow { org_id: string; version: number; k: number; n: number; record: string; created_by: string; created_at: N; audit_index: N }
interface ShareRow { org_id: string; version: number; device_id: string; user_id: string; sealed: string }
interface UnlockRow { org_id: string; request_id: string; request: string; requested_by: string; requested_at: N; expires_at: N; state: UnlockState; opened_at: N | null }
interface ApprovalRow { org_id: string; request_id: string; user_id: string; device_id: string; approval: string; at: N }
interface HoldRow { org_id: string; hold_id: string; target: string; hold: string; placed_by: string; placed_at: N; released_at: N | null; released_by: string | null }

const num = (v: N | null): number | null => (v === null ? null : Number(v))
const key = (r: KeyRow): ArchiveKeyVersionRecord => ({
  org: r.org_id as OrgId, version: r.version, k: r.k, n: r.n, record: r.record, createdBy: r.created_by as UserId, createdAt: Number(r.created_at), auditIndex: Number(r.audit_index),
})
const share = (r: ShareRow): OfficerShareRecord => ({ org: r.org_id as OrgId, version: r.version, device: r.device_id as DeviceId, user: r.user_id as UserId, sealed: r.sealed })
const unlock = (r: UnlockRow): UnlockRequestRecord => ({
  org: r.org_id as OrgId, id: r.request_id, request: r.request, requestedBy: r.requested_by as UserId, requestedAt: Number(r.requested_at), expiresAt: Number(r.expires_at), state: r.state, openedAt: num(r.opened_at),
})
const approval = (r: ApprovalRow): UnlockApprovalRecord => ({ org: r.org_id as OrgId, request: r.request_id, user: r.user_id as UserId, device: r.device_id as DeviceId, approval: r.approval, at: Number(r.at) })
const hold = (r: HoldRow): LegalHoldRecord => ({
  org: r.org_id as OrgId, id: r.hold_id, target: r.target, hold: r.hold, placedBy: r.placed_by as UserId, placedAt: Number(r.placed_at), releasedAt: num(r.released_at), releasedBy: r.released_by as UserId | null,
})

export class PostgresCompliance implements ComplianceStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async appendArchiveKey(rec: ArchiveKeyVersionRecord, shares: readonly OfficerShareRecord[]): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${'archive-key:' + rec.org}))`
      const [latest] = await tx<{ v: number }[]>`SELECT coalesce(max(version), 0) AS v FROM archive_keys WHERE org_id = ${rec.org}`
      if (Number(latest!.v) + 1 !== rec.version) return false
      await tx`INSERT INTO archive_keys (org_id, version, k, n, record, created_by, created_at, audit_index)
        VALUES (${rec.org}, ${rec.version}, ${rec.k}, ${rec.n}, ${rec.record}, ${rec.createdBy}, ${rec.createdAt}, ${rec.auditIndex})`
      for (const s of shares) {
        await tx`INSERT INTO officer_shares (org_id, version, device_id, user_id, sealed) VALUES (${rec.org}, ${rec.version}, ${s.device}, ${s.user}, ${s.sealed})`
      }
      return true
    })
  }

  async archiveKey(org: OrgId, version: number | null): Promise<ArchiveKeyVersionRecord | null> {
    const rows =
      version === null
        ? await this.#sql<KeyRow[]>`SELECT * FROM archive_keys WHERE org_id = ${org} ORDER BY version DESC LIMIT 1`
        : await this.#sql<KeyRow[]>`SELECT * FROM archive_keys WHERE org_id = ${org} AND version = ${version}`
    return rows[0] ? key(rows[0]) : null
  }

  async officerShares(org: OrgId, version: number): Promise<OfficerShareRecord[]> {
    return (await this.#sql<ShareRow[]>`SELECT * FROM officer_shares WHERE org_id = ${org} AND version = ${version} ORDER BY device_id`).map(share)
  }

  async dropOfficerShares(org: OrgId, belowVersion: number): Promise<number> {
    return (await this.#sql`DELETE FROM officer_shares WHERE org_id = ${org} AND version < ${belowVersion}`).count
  }

  async createUnlock(rec: UnlockRequestRecord): Promise<boolean> {
    const r = await this.#sql`INSERT INTO unlock_requests (org_id, request_id, request, requested_by, requested_at, expires_at, state, opened_at)
      VALUES (${rec.org}, ${rec.id}, ${rec.request}, ${rec.requestedBy}, ${rec.requestedAt}, ${rec.expiresAt}, ${rec.state}, ${rec.openedAt}) ON CONFLICT DO NOTHING`
    return r.count === 1
  }

  async getUnlock(org: OrgId, id: string): Promise<UnlockRequestRecord | null> {
    const [row] = await this.#sql<UnlockRow[]>`SELECT * FROM unlock_requests WHERE org_id = ${org} AND request_id = ${id}`
    return row ? unlock(row) : null
  }

  async listUnlocks(org: OrgId, limit: number): Promise<UnlockRequestRecord[]> {
    return (await this.#sql<UnlockRow[]>`SELECT * FROM unlock_requests WHERE org_id = ${org} ORDER BY requested_at DESC, request_id LIMIT ${limit}`).map(unlock)
  }

  async addUnlockApproval(rec: UnlockApprovalRecord): Promise<'added' | 'duplicate' | 'not_pending'> {
    return transaction(this.#sql, async (tx) => {
      const [req] = await tx<{ state: string }[]>`SELECT state FROM unlock_requests WHERE org_id = ${rec.org} AND request_id = ${rec.request} FOR UPDATE`
      if (req?.state !== 'pending') return 'not_pending' as const
      const r = await tx`INSERT INTO unlock_approvals (org_id, request_id, user_id, device_id, approval, at)
        VALUES (${rec.org}, ${rec.request}, ${rec.user}, ${rec.device}, ${rec.approval}, ${rec.at}) ON CONFLICT DO NOTHING`
      return r.count === 1 ? ('added' as const) : ('duplicate' as const)
    })
  }

  async unlockApprovals(org: OrgId, id: string): Promise<UnlockApprovalRecord[]> {
    return (await this.#sql<ApprovalRow[]>`SELECT * FROM unlock_approvals WHERE org_id = ${org} AND request_id = ${id} ORDER BY at, user_id`).map(approval)
  }

  async settleUnlock(org: OrgId, id: string, state: Exclude<UnlockState, 'pending'>, at: number): Promise<boolean> {
    const openedAt = state === 'opened' ? at : null
    const r = await this.#sql`UPDATE unlock_requests SET state = ${state}, opened_at = ${openedAt}
      WHERE org_id = ${org} AND request_id = ${id} AND state = 'pending'`
    return r.count === 1
  }

  async placeHold(rec: LegalHoldRecord): Promise<boolean> {
    const r = await this.#sql`INSERT INTO legal_holds (org_id, hold_id, target, hold, placed_by, placed_at, released_at, released_by)
      VALUES (${rec.org}, ${rec.id}, ${rec.target}, ${rec.hold}, ${rec.placedBy}, ${rec.placedAt}, ${rec.releasedAt}, ${rec.releasedBy}) ON CONFLICT DO NOTHING`
    return r.count === 1
  }

  async releaseHold(org: OrgId, id: string, by: UserId, at: number): Promise<boolean> {
    const r = await this.#sql`UPDATE legal_holds SET released_at = ${at}, released_by = ${by} WHERE org_id = ${org} AND hold_id = ${id} AND released_at IS NULL`
    return r.count === 1
  }

  async getHold(org: OrgId, id: string): Promise<LegalHoldRecord | null> {
    const [row] = await this.#sql<HoldRow[]>`SELECT * FROM legal_holds WHERE org_id = ${org} AND hold_id = ${id}`
    return row ? hold(row) : null
  }

  async holdsOf(org: OrgId, released: boolean): Promise<LegalHoldRecord[]> {
    const rows = released
      ? await this.#sql<HoldRow[]>`SELECT * FROM legal_holds WHERE org_id = ${org} ORDER BY placed_at, hold_id`
      : await this.#sql<HoldRow[]>`SELECT * FROM legal_holds WHERE org_id = ${org} AND released_at IS NULL ORDER BY placed_at, hold_id`
    return rows.map(hold)
  }

  async activeHoldsOn(targets: readonly string[]): Promise<LegalHoldRecord[]> {
    if (targets.length === 0) return []
    const rows = await this.#sql<HoldRow[]>`SELECT * FROM legal_holds WHERE released_at IS NULL AND target = ANY(${[...targets]}) ORDER BY placed_at, hold_id`
    return rows.map(hold)
  }
}
