// An organisation's compliance records on SQLite (ComplianceStorage of @candor/ports): archive key
// versions and officers' sealed shares (a version is appended with its shares in one immediate
// transaction, and only as the latest + 1), unlock requests and approvals, legal holds.
import type Database from 'better-sqlite3'
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

interface KeyRow { org_id: string; version: number; k: number; n: number; record: string; created_by: string; created_at: number; audit_index: number }
interface ShareRow { org_id: string; version: number; device_id: string; user_id: string; sealed: string }
interface UnlockRow { org_id: string; request_id: string; request: string; requested_by: string; requested_at: number; expires_at: number; state: UnlockState; opened_at: number | null }
interface ApprovalRow { org_id: string; request_id: string; user_id: string; device_id: string; approval: string; at: number }
interface HoldRow { org_id: string; hold_id: string; target: string; hold: string; placed_by: string; placed_at: number; released_at: number | null; released_by: string | null }

const key = (r: KeyRow): ArchiveKeyVersionRecord => ({
  org: r.org_id as OrgId, version: r.version, k: r.k, n: r.n, record: r.record, createdBy: r.created_by as UserId, createdAt: r.created_at, auditIndex: r.audit_index,
})
const share = (r: ShareRow): OfficerShareRecord => ({ org: r.org_id as OrgId, version: r.version, device: r.device_id as DeviceId, user: r.user_id as UserId, sealed: r.sealed })
const unlock = (r: UnlockRow): UnlockRequestRecord => ({
  org: r.org_id as OrgId, id: r.request_id, request: r.request, requestedBy: r.requested_by as UserId, requestedAt: r.requested_at, expiresAt: r.expires_at, state: r.state, openedAt: r.opened_at,
})
const approval = (r: ApprovalRow): UnlockApprovalRecord => ({ org: r.org_id as OrgId, request: r.request_id, user: r.user_id as UserId, device: r.device_id as DeviceId, approval: r.approval, at: r.at })
const hold = (r: HoldRow): LegalHoldRecord => ({
  org: r.org_id as OrgId, id: r.hold_id, target: r.target, hold: r.hold, placedBy: r.placed_by as UserId, placedAt: r.placed_at, releasedAt: r.released_at, releasedBy: r.released_by as UserId | null,
})

export class SqliteCompliance implements ComplianceStorage {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  async appendArchiveKey(rec: ArchiveKeyVersionRecord, shares: readonly OfficerShareRecord[]): Promise<boolean> {
    const latest = this.#db.prepare('SELECT COALESCE(MAX(version), 0) FROM archive_keys WHERE org_id = ?').pluck()
    const insert = this.#db.prepare('INSERT INTO archive_keys (org_id, version, k, n, record, created_by, created_at, audit_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    const insertShare = this.#db.prepare('INSERT INTO officer_shares (org_id, version, device_id, user_id, sealed) VALUES (?, ?, ?, ?, ?)')
    return this.#db
      .transaction(() => {
        if ((latest.get(rec.org) as number) + 1 !== rec.version) return false
        insert.run(rec.org, rec.version, rec.k, rec.n, rec.record, rec.createdBy, rec.createdAt, rec.auditIndex)
        for (const s of shares) insertShare.run(rec.org, rec.version, s.device, s.user, s.sealed)
        return true
      })
      .immediate()
  }

  async archiveKey(org: OrgId, version: number | null): Promise<ArchiveKeyVersionRecord | null> {
    const row = (
      version === null
        ? this.#db.prepare('SELECT * FROM archive_keys WHERE org_id = ? ORDER BY version DESC LIMIT 1').get(org)
        : this.#db.prepare('SELECT * FROM archive_keys WHERE org_id = ? AND version = ?').get(org, version)
    ) as KeyRow | undefined
    return row ? key(row) : null
  }

  async officerShares(org: OrgId, version: number): Promise<OfficerShareRecord[]> {
    return (this.#db.prepare('SELECT * FROM officer_shares WHERE org_id = ? AND version = ? ORDER BY device_id').all(org, version) as ShareRow[]).map(share)
  }

  async dropOfficerShares(org: OrgId, belowVersion: number): Promise<number> {
    return this.#db.prepare('DELETE FROM officer_shares WHERE org_id = ? AND version < ?').run(org, belowVersion).changes
  }

  async createUnlock(rec: UnlockRequestRecord): Promise<boolean> {
    const r = this.#db
      .prepare(
        `INSERT INTO unlock_requests (org_id, request_id, request, requested_by, requested_at, expires_at, state, opened_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(rec.org, rec.id, rec.request, rec.requestedBy, rec.requestedAt, rec.expiresAt, rec.state, rec.openedAt)
    return r.changes === 1
  }

  async getUnlock(org: OrgId, id: string): Promise<UnlockRequestRecord | null> {
    const row = this.#db.prepare('SELECT * FROM unlock_requests WHERE org_id = ? AND request_id = ?').get(org, id) as UnlockRow | undefined
    return row ? unlock(row) : null
  }

  async listUnlocks(org: OrgId, limit: number): Promise<UnlockRequestRecord[]> {
    return (this.#db.prepare('SELECT * FROM unlock_requests WHERE org_id = ? ORDER BY requested_at DESC, request_id LIMIT ?').all(org, limit) as UnlockRow[]).map(unlock)
  }

  async addUnlockApproval(rec: UnlockApprovalRecord): Promise<'added' | 'duplicate' | 'not_pending'> {
    const state = this.#db.prepare('SELECT state FROM unlock_requests WHERE org_id = ? AND request_id = ?').pluck()
    const insert = this.#db.prepare(
      'INSERT INTO unlock_approvals (org_id, request_id, user_id, device_id, approval, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    )
    return this.#db
      .transaction(() => {
        if (state.get(rec.org, rec.request) !== 'pending') return 'not_pending' as const
        return insert.run(rec.org, rec.request, rec.user, rec.device, rec.approval, rec.at).changes === 1 ? ('added' as const) : ('duplicate' as const)
      })
      .immediate()
  }

  async unlockApprovals(org: OrgId, id: string): Promise<UnlockApprovalRecord[]> {
    return (this.#db.prepare('SELECT * FROM unlock_approvals WHERE org_id = ? AND request_id = ? ORDER BY at, user_id').all(org, id) as ApprovalRow[]).map(approval)
  }

  async settleUnlock(org: OrgId, id: string, state: Exclude<UnlockState, 'pending'>, at: number): Promise<boolean> {
    const r = this.#db
      .prepare(`UPDATE unlock_requests SET state = ?, opened_at = CASE WHEN ? = 'opened' THEN ? ELSE NULL END WHERE org_id = ? AND request_id = ? AND state = 'pending'`)
      .run(state, state, at, org, id)
    return r.changes === 1
  }

  async placeHold(rec: LegalHoldRecord): Promise<boolean> {
    const r = this.#db
      .prepare(
        `INSERT INTO legal_holds (org_id, hold_id, target, hold, placed_by, placed_at, released_at, released_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(rec.org, rec.id, rec.target, rec.hold, rec.placedBy, rec.placedAt, rec.releasedAt, rec.releasedBy)
    return r.changes === 1
  }

  async releaseHold(org: OrgId, id: string, by: UserId, at: number): Promise<boolean> {
    const r = this.#db.prepare('UPDATE legal_holds SET released_at = ?, released_by = ? WHERE org_id = ? AND hold_id = ? AND released_at IS NULL').run(at, by, org, id)
    return r.changes === 1
  }

  async getHold(org: OrgId, id: string): Promise<LegalHoldRecord | null> {
    const row = this.#db.prepare('SELECT * FROM legal_holds WHERE org_id = ? AND hold_id = ?').get(org, id) as HoldRow | undefined
    return row ? hold(row) : null
  }

  async holdsOf(org: OrgId, released: boolean): Promise<LegalHoldRecord[]> {
    const sql = `SELECT * FROM legal_holds WHERE org_id = ? ${released ? '' : 'AND released_at IS NULL'} ORDER BY placed_at, hold_id`
    return (this.#db.prepare(sql).all(org) as HoldRow[]).map(hold)
  }

  async activeHoldsOn(targets: readonly string[]): Promise<LegalHoldRecord[]> {
    if (targets.length === 0) return []
    const q = this.#db.prepare(`SELECT * FROM legal_holds WHERE released_at IS NULL AND target IN (${targets.map(() => '?').join(', ')}) ORDER BY placed_at, hold_id`)
    return (q.all(...targets) as HoldRow[]).map(hold)
  }
}
