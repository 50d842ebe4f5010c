// Web Push subscriptions on PostgreSQL (PushSubscriptionStorage of @candor/ports): one row per device.
import type { DeviceId, UserId } from '@candor/protocol'
import type { PushSubscriptionRecord, PushSubscriptionStorage } from '@candor/ports'
import type { Sql } from './connection.ts'

interface Row {
  device_id: string
  user_id: string
  endpoint: string
  p256dh: string
  auth: string
  created_at: string | number
}

export class PostgresPushSubscriptions implements PushSubscriptionStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async put(r: PushSubscriptionRecord): Promise<void> {
    await this.#sql`
      INSERT INTO push_subscriptions (device_id, user_id, endpoint, p256dh, auth, created_at)
      VALUES (${r.deviceId}, ${r.userId}, ${r.endpoint}, ${r.p256dh}, ${r.auth}, ${r.createdAt})
      ON CONFLICT (device_id) DO UPDATE SET user_id = EXCLUDED.user_id, endpoint = EXCLUDED.endpoint, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, created_at = EXCLUDED.created_at`
  }

  async get(deviceId: DeviceId): Promise<PushSubscriptionRecord | null> {
    const [r] = await this.#sql<Row[]>`SELECT * FROM push_subscriptions WHERE device_id = ${deviceId}`
    return r ? { deviceId: r.device_id as DeviceId, userId: r.user_id as UserId, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, createdAt: Number(r.created_at) } : null
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    const gone = await this.#sql`DELETE FROM push_subscriptions WHERE device_id = ${deviceId}`
    return gone.count > 0
  }
}
