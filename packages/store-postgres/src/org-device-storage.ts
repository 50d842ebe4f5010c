// Held devices, last-seen days and expired guests on PostgreSQL (OrgDeviceStorage of @candor/ports).
// Activation locks the user's row first, so the active-device limit holds when several nodes
// approve at once (as enrolment approval does).
import { CandorError, type DeviceId, type OrgId, type UserId } from '@candor/protocol'
import type { DeviceRecord, OrgDeviceStorage } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'
import { toDevice, type DeviceRow } from './device-storage.ts'
import { recordDirectoryUpdate } from './lifecycle-storage.ts'

const COLUMNS = 'd.device_id, d.user_id, d.name, d.public_key, d.status, d.created_at, d.attested_by, d.attestation'

export class PostgresOrgDevices implements OrgDeviceStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async heldDevices(org: OrgId, limit: number): Promise<DeviceRecord[]> {
    const rows = await this.#sql.unsafe<DeviceRow[]>(
      `SELECT ${COLUMNS} FROM devices d JOIN users u ON u.user_id = d.user_id
       WHERE u.org_id = $1 AND d.status = 'pending' AND d.attestation IS NOT NULL ORDER BY d.created_at, d.device_id LIMIT $2`,
      [org, limit],
    )
    return rows.map(toDevice)
  }

  activateHeldDevice(deviceId: DeviceId, userId: UserId, maxDevices: number): Promise<DeviceRecord | null> {
    return transaction(this.#sql, async (tx) => {
      await tx`SELECT 1 FROM users WHERE user_id = ${userId} FOR UPDATE`
      const [r] = await tx<DeviceRow[]>`
        SELECT * FROM devices WHERE device_id = ${deviceId} AND user_id = ${userId} AND status = 'pending' AND attestation IS NOT NULL`
      if (!r) return null
      const [active] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM devices WHERE user_id = ${userId} AND status = 'active'`
      if ((active?.n ?? 0) >= maxDevices) throw new CandorError('forbidden', `a user may have at most ${maxDevices} active devices; revoke one first`)
      await tx`UPDATE devices SET status = 'active' WHERE device_id = ${deviceId}`
      await recordDirectoryUpdate(tx, userId)
      return { ...toDevice(r), status: 'active' }
    })
  }

  async markSeen(deviceId: DeviceId, day: number): Promise<void> {
    await this.#sql`UPDATE devices SET last_seen_day = ${day} WHERE device_id = ${deviceId} AND (last_seen_day IS NULL OR last_seen_day < ${day})`
  }

  async lastSeenDay(deviceId: DeviceId): Promise<number | null> {
    const [r] = await this.#sql<{ day: number | null }[]>`SELECT last_seen_day AS day FROM devices WHERE device_id = ${deviceId}`
    return r?.day ?? null
  }

  async unseenDevices(org: OrgId, beforeDay: number, limit: number): Promise<Array<{ deviceId: DeviceId; userId: UserId }>> {
    const rows = await this.#sql<{ device_id: string; user_id: string }[]>`
      SELECT d.device_id, d.user_id FROM devices d JOIN users u ON u.user_id = d.user_id
      WHERE u.org_id = ${org} AND d.status = 'active' AND COALESCE(d.last_seen_day, d.created_at / 86400000) < ${beforeDay}
      ORDER BY COALESCE(d.last_seen_day, d.created_at / 86400000), d.device_id LIMIT ${limit}`
    return rows.map((r) => ({ deviceId: r.device_id as DeviceId, userId: r.user_id as UserId }))
  }

  async expiredGuests(org: OrgId, createdBefore: number, limit: number): Promise<UserId[]> {
    const rows = await this.#sql<{ user_id: string }[]>`
      SELECT u.user_id FROM users u WHERE u.org_id = ${org} AND u.guest AND u.created_at < ${createdBefore}
      AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.user_id AND d.status IN ('active', 'pending'))
      ORDER BY u.created_at, u.user_id LIMIT ${limit}`
    return rows.map((r) => r.user_id as UserId)
  }

  async userCreatedAt(userId: UserId): Promise<number | null> {
    const [r] = await this.#sql<{ created_at: number | string }[]>`SELECT created_at FROM users WHERE user_id = ${userId}`
    return r ? Number(r.created_at) : null
  }
}
