// Users and their devices on SQLite: sign-up with a first device, further devices, revocation,
// and the read every socket and request makes of a device. Enrolment requests are not devices
// (enrolment-storage.ts); held devices and last-seen days are org-device-storage.ts's.
import type Database from 'better-sqlite3'
import { CandorError, type DeviceId, type DeviceStatus, type GroupId, type UserId } from '@candor/protocol'
import type { DeviceAccess, DeviceRecord, NewMembership } from '@candor/ports'
import type { SqliteLifecycle } from './lifecycle-storage.ts'
import type { SqliteOrganisations } from './organisation-storage.ts'
import type { SqliteQueue } from './queue-storage.ts'
import type { SqliteScim } from './scim-storage.ts'

/** A devices row as SQLite returns it (also read by org-device-storage.ts). */
export interface DeviceRow {
  device_id: string
  user_id: string
  name: string
  public_key: Buffer
  status: DeviceStatus
  created_at: number
  attested_by: string | null
  attestation: Buffer | null
}

export function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id as DeviceId,
    userId: r.user_id as UserId,
    name: r.name,
    publicKey: new Uint8Array(r.public_key),
    status: r.status,
    createdAt: r.created_at,
    ...(r.attested_by && r.attestation ? { attestation: { by: r.attested_by as DeviceId, signature: new Uint8Array(r.attestation) } } : {}),
  }
}

export class SqliteAccounts {
  readonly #db: Database.Database
  readonly #queue: SqliteQueue
  readonly #lifecycle: SqliteLifecycle
  readonly #orgs: SqliteOrganisations
  readonly #scim: SqliteScim
  readonly #s

  constructor(db: Database.Database, queue: SqliteQueue, lifecycle: SqliteLifecycle, orgs: SqliteOrganisations, scim: SqliteScim) {
    this.#db = db
    this.#queue = queue
    this.#lifecycle = lifecycle
    this.#orgs = orgs
    this.#scim = scim
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      userExists: p('SELECT 1 FROM users WHERE user_id = ?').pluck(),
      insertUser: p('INSERT INTO users (user_id, created_at, org_id, guest) VALUES (?, ?, ?, ?)'),
      insertDevice: p(
        'INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getDevice: p('SELECT * FROM devices WHERE device_id = ?'),
      // Every socket auth and request: the device, and whether SSO can apply to its user, in one read.
      deviceAccess: p(
        `SELECT d.user_id, d.status, EXISTS (SELECT 1 FROM users u JOIN org_sso c ON c.org_id = u.org_id WHERE u.user_id = d.user_id) AS sso
         FROM devices d WHERE d.device_id = ?`,
      ),
      listDevices: p('SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, device_id'),
    }
  }

  createUser(userId: UserId, device: DeviceRecord, membership: NewMembership): void {
    this.#db.transaction(() => {
      if (this.#s.userExists.get(userId)) throw new CandorError('user_exists', `user ${userId} already exists`)
      // An erased person's id comes back only to them: their organisation provisioned them again (same externalId).
      if (!this.#scim.provisionedIn(userId, membership.org)) this.#lifecycle.refuseReserved(userId)
      this.#s.insertUser.run(userId, device.createdAt, membership.org, membership.guest ? 1 : 0)
      this.#insertDevice(device)
      this.#lifecycle.record(userId)
    }).immediate()
  }

  userExists(userId: UserId): boolean {
    return this.#s.userExists.get(userId) !== undefined
  }

  #insertDevice(d: DeviceRecord): void {
    try {
      this.#s.insertDevice.run(d.deviceId, d.userId, d.name, d.publicKey, d.status, d.createdAt, d.attestation?.by ?? null, d.attestation?.signature ?? null)
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new CandorError('conflict', 'this device key is already registered', { cause: e })
      }
      throw e
    }
  }

  addDevice(device: DeviceRecord): void {
    this.#insertDevice(device)
  }

  getDevice(deviceId: DeviceId): DeviceRecord | null {
    const r = this.#s.getDevice.get(deviceId) as DeviceRow | undefined
    return r ? toDevice(r) : null
  }

  deviceAccess(deviceId: DeviceId): DeviceAccess | null {
    const r = this.#s.deviceAccess.get(deviceId) as { user_id: string; status: DeviceStatus; sso: number } | undefined
    return r ? { userId: r.user_id as UserId, status: r.status, orgHasSso: r.sso === 1 } : null
  }

  listDevices(userId: UserId): DeviceRecord[] {
    return (this.#s.listDevices.all(userId) as DeviceRow[]).map(toDevice)
  }

  revokeDevice(deviceId: DeviceId, userId: UserId): { device: DeviceRecord; groups: GroupId[] } | null {
    return this.#queue.transaction(() => {
      const r = this.#s.getDevice.get(deviceId) as DeviceRow | undefined
      if (!r || r.user_id !== userId) return null
      const device = toDevice(r)
      if (device.status === 'revoked') return { device, groups: [] }
      this.#queue.dropAllOf(deviceId)
      return { device, groups: this.#lifecycle.revoke(deviceId, userId) }
    })
  }

  addProvisionedDevice(device: DeviceRecord): boolean {
    return this.#db.transaction(() => {
      const m = this.#orgs.membershipOf(device.userId)
      if (!m || !this.#scim.rejoining(device.userId, m.org)) return false
      if ((this.#s.listDevices.all(device.userId) as DeviceRow[]).some((d) => d.status === 'active')) return false
      this.#insertDevice({ ...device, status: 'active' })
      this.#scim.clearRejoin(device.userId)
      this.#lifecycle.record(device.userId)
      return true
    }).immediate()
  }
}
