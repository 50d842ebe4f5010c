// Web Push subscriptions on SQLite (PushSubscriptionStorage of @candor/ports): one row per device.
import type Database from 'better-sqlite3'
import type { DeviceId, UserId } from '@candor/protocol'
import type { PushSubscriptionRecord, PushSubscriptionStorage } from '@candor/ports'

interface Row {
  device_id: string
  user_id: string
  endpoint: string
  p256dh: string
  auth: string
  created_at: number
}

export class SqlitePushSubscriptions implements PushSubscriptionStorage {
  readonly #s

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      put: p(
        'INSERT INTO push_subscriptions (device_id, user_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at',
      ),
      get: p('SELECT * FROM push_subscriptions WHERE device_id = ?'),
      delete: p('DELETE FROM push_subscriptions WHERE device_id = ?'),
    }
  }

  async put(r: PushSubscriptionRecord): Promise<void> {
    this.#s.put.run(r.deviceId, r.userId, r.endpoint, r.p256dh, r.auth, r.createdAt)
  }

  async get(deviceId: DeviceId): Promise<PushSubscriptionRecord | null> {
    const r = this.#s.get.get(deviceId) as Row | undefined
    return r ? { deviceId: r.device_id as DeviceId, userId: r.user_id as UserId, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, createdAt: r.created_at } : null
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return this.#s.delete.run(deviceId).changes > 0
  }
}
