// Held devices, last-seen days and expired guests on SQLite (OrgDeviceStorage of @candor/ports).
import type Database from 'better-sqlite3'
import { CandorError, type DeviceId, type OrgId, type UserId } from '@candor/protocol'
import type { DeviceRecord, OrgDeviceStorage } from '@candor/ports'
import { toDevice, type DeviceRow } from './account-storage.ts'
import type { SqliteLifecycle } from './lifecycle-storage.ts'
import type { SqliteQueue } from './queue-storage.ts'

export class SqliteOrgDevices implements OrgDeviceStorage {
  readonly #db: Database.Database
  readonly #lifecycle: SqliteLifecycle
  readonly #queue: SqliteQueue
  readonly #s

  constructor(db: Database.Database, lifecycle: SqliteLifecycle, queue: SqliteQueue) {
    this.#db = db
    this.#lifecycle = lifecycle
    this.#queue = queue
    const p = (sql: string) => db.prepare(sql)
    const HELD = "d.status = 'pending' AND d.attestation IS NOT NULL"
    this.#s = {
      held: p(`SELECT d.* FROM devices d JOIN users u ON u.user_id = d.user_id WHERE u.org_id = ? AND ${HELD} ORDER BY d.created_at, d.device_id LIMIT ?`),
      heldOne: p(`SELECT d.* FROM devices d WHERE d.device_id = ? AND d.user_id = ? AND ${HELD}`),
      activeCount: p("SELECT COUNT(*) FROM devices WHERE user_id = ? AND status = 'active'").pluck(),
      activate: p("UPDATE devices SET status = 'active' WHERE device_id = ? AND status = 'pending'"),
      markSeen: p('UPDATE devices SET last_seen_day = ? WHERE device_id = ? AND (last_seen_day IS NULL OR last_seen_day < ?)'),
      lastSeen: p('SELECT last_seen_day FROM devices WHERE device_id = ?').pluck(),
      unseen: p(
        `SELECT d.device_id, d.user_id FROM devices d JOIN users u ON u.user_id = d.user_id
         WHERE u.org_id = ? AND d.status = 'active' AND COALESCE(d.last_seen_day, d.created_at / 86400000) < ?
         ORDER BY COALESCE(d.last_seen_day, d.created_at / 86400000), d.device_id LIMIT ?`,
      ),
      expiredGuests: p(
        `SELECT u.user_id FROM users u WHERE u.org_id = ? AND u.guest = 1 AND u.created_at < ?
         AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.user_id AND d.status IN ('active', 'pending'))
         ORDER BY u.created_at, u.user_id LIMIT ?`,
      ).pluck(),
      createdAt: p('SELECT created_at FROM users WHERE user_id = ?').pluck(),
    }
  }

  async heldDevices(org: OrgId, limit: number): Promise<DeviceRecord[]> {
    return (this.#s.held.all(org, limit) as DeviceRow[]).map(toDevice)
  }

  async activateHeldDevice(deviceId: DeviceId, userId: UserId, maxDevices: number): Promise<DeviceRecord | null> {
    return this.#db.transaction((): DeviceRecord | null => {
      const r = this.#s.heldOne.get(deviceId, userId) as DeviceRow | undefined
      if (!r) return null
      if ((this.#s.activeCount.get(userId) as number) >= maxDevices) {
        throw new CandorError('forbidden', `a user may have at most ${maxDevices} active devices; revoke one first`)
      }
      this.#s.activate.run(deviceId)
      this.#lifecycle.record(userId)
      return { ...toDevice(r), status: 'active' }
    }).immediate()
  }

  /** Joins the turn's queue transaction, durable before it answers (flushed in the thread pool, not on the event loop). */
  async markSeen(deviceId: DeviceId, day: number): Promise<void> {
    await this.#queue.batched(() => this.#s.markSeen.run(day, deviceId, day), true)
  }

  async lastSeenDay(deviceId: DeviceId): Promise<number | null> {
    return (this.#s.lastSeen.get(deviceId) as number | null | undefined) ?? null
  }

  async unseenDevices(org: OrgId, beforeDay: number, limit: number): Promise<Array<{ deviceId: DeviceId; userId: UserId }>> {
    const rows = this.#s.unseen.all(org, beforeDay, limit) as Array<{ device_id: string; user_id: string }>
    return rows.map((r) => ({ deviceId: r.device_id as DeviceId, userId: r.user_id as UserId }))
  }

  async expiredGuests(org: OrgId, createdBefore: number, limit: number): Promise<UserId[]> {
    return this.#s.expiredGuests.all(org, createdBefore, limit) as UserId[]
  }

  async userCreatedAt(userId: UserId): Promise<number | null> {
    return (this.#s.createdAt.get(userId) as number | undefined) ?? null
  }
}
