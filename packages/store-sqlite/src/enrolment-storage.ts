// Enrolment requests on SQLite: filed by new devices without a session, so the table is kept
// small by the store itself — expired rows are deleted on every filing, and a user has at most
// `maxPending` rows (the oldest filed goes). Approval moves a row into `devices` in the same
// transaction that deletes it.
import type Database from 'better-sqlite3'
import { CandorError, type DeviceId, type UserId } from '@candor/protocol'
import type { DeviceAttestation, DeviceRecord, EnrolmentRecord } from '@candor/ports'

interface Row {
  device_id: string
  user_id: string
  name: string
  public_key: Buffer
  created_at: number
  expires_at: number
}

const toEnrolment = (r: Row): EnrolmentRecord => ({
  deviceId: r.device_id as DeviceId,
  userId: r.user_id as UserId,
  name: r.name,
  publicKey: new Uint8Array(r.public_key),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
})

export class SqliteEnrolments {
  readonly #db: Database.Database
  readonly #s

  constructor(db: Database.Database) {
    this.#db = db
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      expire: p('DELETE FROM enrolments WHERE expires_at <= ?'),
      userExists: p('SELECT 1 FROM users WHERE user_id = ?').pluck(),
      isDevice: p('SELECT 1 FROM devices WHERE device_id = ? OR public_key = ?').pluck(),
      dropSameKey: p('DELETE FROM enrolments WHERE device_id = ? OR public_key = ?'),
      pendingOf: p('SELECT device_id FROM enrolments WHERE user_id = ? ORDER BY seq').pluck(),
      drop: p('DELETE FROM enrolments WHERE device_id = ?'),
      insert: p('INSERT INTO enrolments (device_id, user_id, name, public_key, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      list: p('SELECT * FROM enrolments WHERE user_id = ? AND expires_at > ? ORDER BY seq'),
      get: p('SELECT * FROM enrolments WHERE device_id = ? AND expires_at > ?'),
      take: p('DELETE FROM enrolments WHERE device_id = ? AND user_id = ? AND expires_at > ? RETURNING *'),
      activeCount: p("SELECT COUNT(*) FROM devices WHERE user_id = ? AND status = 'active'").pluck(),
      insertDevice: p(
        'INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deny: p('DELETE FROM enrolments WHERE device_id = ? AND user_id = ?'),
    }
  }

  file(e: EnrolmentRecord, maxPending: number, now: number): { dropped: DeviceId[] } {
    return this.#db.transaction(() => {
      this.#s.expire.run(now)
      if (!this.#s.userExists.get(e.userId)) throw new CandorError('unknown_user', 'no such user')
      if (this.#s.isDevice.get(e.deviceId, e.publicKey)) throw new CandorError('conflict', 'this device key is already registered')
      this.#s.dropSameKey.run(e.deviceId, e.publicKey)
      const pending = this.#s.pendingOf.all(e.userId) as DeviceId[]
      const dropped = pending.slice(0, Math.max(0, pending.length - maxPending + 1))
      for (const d of dropped) this.#s.drop.run(d)
      this.#s.insert.run(e.deviceId, e.userId, e.name, e.publicKey, e.createdAt, e.expiresAt)
      return { dropped }
    }).immediate()
  }

  list(userId: UserId, now: number): EnrolmentRecord[] {
    return (this.#s.list.all(userId, now) as Row[]).map(toEnrolment)
  }

  get(deviceId: DeviceId, now: number): EnrolmentRecord | null {
    const r = this.#s.get.get(deviceId, now) as Row | undefined
    return r ? toEnrolment(r) : null
  }

  approve(deviceId: DeviceId, userId: UserId, attestation: DeviceAttestation, now: number, maxDevices: number, hold = false): DeviceRecord | null {
    return this.#db.transaction((): DeviceRecord | null => {
      const r = this.#s.take.get(deviceId, userId, now) as Row | undefined
      if (!r) return null
      if ((this.#s.activeCount.get(userId) as number) >= maxDevices) {
        // Throwing rolls the transaction back: the request stays for a later approval.
        throw new CandorError('forbidden', `a user may have at most ${maxDevices} active devices; revoke one first`)
      }
      const e = toEnrolment(r)
      // Held (devices.adminApproval): a device that cannot sign in until an admin approves it too.
      const device: DeviceRecord = { deviceId: e.deviceId, userId, name: e.name, publicKey: e.publicKey, status: hold ? 'pending' : 'active', createdAt: e.createdAt, attestation }
      this.#s.insertDevice.run(device.deviceId, device.userId, device.name, device.publicKey, device.status, device.createdAt, attestation.by, attestation.signature)
      return device
    }).immediate()
  }

  deny(deviceId: DeviceId, userId: UserId): boolean {
    return this.#s.deny.run(deviceId, userId).changes === 1
  }
}
