// Users and their devices on PostgreSQL: creating a user with its first device, adding and
// reading devices, and the provisioned device a SCIM-rejoined person gets back. Revocation and
// the directory backlog these write to are in lifecycle-storage.ts.
import { CandorError, DEFAULT_ORG_ID, type DeviceId, type DeviceStatus, type UserId } from '@candor/protocol'
import type { DeviceAccess, DeviceRecord, NewMembership } from '@candor/ports'
import { buf, bytes, sqlState, transaction, type Db, type Sql } from './connection.ts'
import { recordDirectoryUpdate, refuseReserved } from './lifecycle-storage.ts'
import * as scim from './scim-storage.ts'

/** A devices row as both drivers' reads return it (created_at a string where read as BIGINT text). */
export interface DeviceRow {
  device_id: string
  user_id: string
  name: string
  public_key: Buffer
  status: DeviceStatus
  created_at: number | string
  attested_by: string | null
  attestation: Buffer | null
}

export function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id as DeviceId,
    userId: r.user_id as UserId,
    name: r.name,
    publicKey: bytes(r.public_key),
    status: r.status,
    createdAt: Number(r.created_at),
    ...(r.attested_by && r.attestation ? { attestation: { by: r.attested_by as DeviceId, signature: bytes(r.attestation) } } : {}),
  }
}

export async function createUser(sql: Sql, userId: UserId, device: DeviceRecord, membership: NewMembership = { org: DEFAULT_ORG_ID, guest: false }): Promise<void> {
  await transaction(sql, async (tx) => {
    const r = await tx`INSERT INTO users (user_id, created_at, org_id, guest) VALUES (${userId}, ${device.createdAt}, ${membership.org}, ${membership.guest}) ON CONFLICT DO NOTHING RETURNING 1`
    if (r.length === 0) throw new CandorError('user_exists', `user ${userId} already exists`)
    // An erased person's id comes back only to them: their organisation provisioned them again (same externalId).
    if (!(await scim.provisionedIn(tx, userId, membership.org))) await refuseReserved(tx, userId)
    await insertDevice(tx, device)
    await recordDirectoryUpdate(tx, userId)
  })
}

export async function userExists(sql: Sql, userId: UserId): Promise<boolean> {
  return (await sql`SELECT 1 FROM users WHERE user_id = ${userId}`).length > 0
}

export async function getDevice(sql: Sql, deviceId: DeviceId): Promise<DeviceRecord | null> {
  const [r] = await sql<DeviceRow[]>`SELECT * FROM devices WHERE device_id = ${deviceId}`
  return r ? toDevice(r) : null
}

export async function deviceAccess(sql: Sql, deviceId: DeviceId): Promise<DeviceAccess | null> {
  // Every socket auth and request: the device, and whether SSO can apply to its user, in one round trip.
  const [r] = await sql<{ user_id: string; status: DeviceStatus; sso: boolean }[]>`
    SELECT d.user_id, d.status, EXISTS (SELECT 1 FROM users u JOIN org_sso c ON c.org_id = u.org_id WHERE u.user_id = d.user_id) AS sso
    FROM devices d WHERE d.device_id = ${deviceId}`
  return r ? { userId: r.user_id as UserId, status: r.status, orgHasSso: r.sso } : null
}

export async function listDevices(sql: Sql, userId: UserId): Promise<DeviceRecord[]> {
  const rows = await sql<DeviceRow[]>`SELECT * FROM devices WHERE user_id = ${userId} ORDER BY created_at, device_id`
  return rows.map(toDevice)
}

export async function activeDevicesOf(sql: Sql, userId: UserId): Promise<DeviceId[]> {
  return (await sql<{ device_id: DeviceId }[]>`SELECT device_id FROM devices WHERE user_id = ${userId} AND status = 'active' ORDER BY created_at, device_id`).map((r) => r.device_id)
}

export function addProvisionedDevice(sql: Sql, device: DeviceRecord): Promise<boolean> {
  return transaction(sql, async (tx) => {
    const [m] = await tx<{ org_id: string }[]>`SELECT org_id FROM users WHERE user_id = ${device.userId} FOR UPDATE`
    if (!m || !(await scim.rejoining(tx, device.userId, m.org_id))) return false
    if ((await tx`SELECT 1 FROM devices WHERE user_id = ${device.userId} AND status = 'active'`).length > 0) return false
    await insertDevice(tx, { ...device, status: 'active' })
    await scim.clearRejoin(tx, device.userId)
    await recordDirectoryUpdate(tx, device.userId)
    return true
  })
}

export async function insertDevice(db: Db, d: DeviceRecord): Promise<void> {
  try {
    await db`
      INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation)
      VALUES (${d.deviceId}, ${d.userId}, ${d.name}, ${buf(d.publicKey)}, ${d.status}, ${d.createdAt},
              ${d.attestation?.by ?? null}, ${d.attestation ? buf(d.attestation.signature) : null})`
  } catch (e) {
    if (sqlState(e) === '23505') throw new CandorError('conflict', 'this device key is already registered', { cause: e })
    throw e
  }
}
