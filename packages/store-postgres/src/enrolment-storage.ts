// Enrolment requests on PostgreSQL. Filing and approving lock the user's row first, so the
// pending cap and the active-device limit hold when several nodes file or approve at once.
import { CandorError, type DeviceId, type UserId } from '@candor/protocol'
import type { DeviceAttestation, DeviceRecord, EnrolmentRecord } from '@candor/ports'
import { buf, bytes, sqlState, transaction, type Sql } from './connection.ts'
import { recordDirectoryUpdate } from './lifecycle-storage.ts'

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
  publicKey: bytes(r.public_key),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
})

export async function fileEnrolment(sql: Sql, e: EnrolmentRecord, maxPending: number, now: number): Promise<{ dropped: DeviceId[] }> {
  try {
    return await transaction(sql, async (tx) => {
      await tx`DELETE FROM enrolments WHERE expires_at <= ${now}`
      const user = await tx`SELECT 1 FROM users WHERE user_id = ${e.userId} FOR UPDATE`
      if (user.length === 0) throw new CandorError('unknown_user', 'no such user')
      const key = buf(e.publicKey)
      const device = await tx`SELECT 1 FROM devices WHERE device_id = ${e.deviceId} OR public_key = ${key}`
      if (device.length > 0) throw new CandorError('conflict', 'this device key is already registered')
      await tx`DELETE FROM enrolments WHERE device_id = ${e.deviceId} OR public_key = ${key}`
      const pending = (await tx<{ device_id: DeviceId }[]>`SELECT device_id FROM enrolments WHERE user_id = ${e.userId} ORDER BY seq`).map((r) => r.device_id)
      const dropped = pending.slice(0, Math.max(0, pending.length - maxPending + 1))
      if (dropped.length > 0) await tx`DELETE FROM enrolments WHERE device_id = ANY(${tx.array(dropped)}::text[])`
      await tx`
        INSERT INTO enrolments (device_id, user_id, name, public_key, created_at, expires_at)
        VALUES (${e.deviceId}, ${e.userId}, ${e.name}, ${key}, ${e.createdAt}, ${e.expiresAt})`
      return { dropped }
    })
  } catch (err) {
    // The same key filed at once for two users: one wins, the other hears it is taken.
    if (sqlState(err) === '23505') throw new CandorError('conflict', 'this device key has just been filed or registered', { cause: err })
    throw err
  }
}

export async function listEnrolments(sql: Sql, userId: UserId, now: number): Promise<EnrolmentRecord[]> {
  const rows = await sql<Row[]>`SELECT * FROM enrolments WHERE user_id = ${userId} AND expires_at > ${now} ORDER BY seq`
  return rows.map(toEnrolment)
}

export async function getEnrolment(sql: Sql, deviceId: DeviceId, now: number): Promise<EnrolmentRecord | null> {
  const [r] = await sql<Row[]>`SELECT * FROM enrolments WHERE device_id = ${deviceId} AND expires_at > ${now}`
  return r ? toEnrolment(r) : null
}

export async function approveEnrolment(
  sql: Sql,
  deviceId: DeviceId,
  userId: UserId,
  attestation: DeviceAttestation,
  now: number,
  maxDevices: number,
  hold = false,
): Promise<DeviceRecord | null> {
  return transaction(sql, async (tx) => {
    await tx`SELECT 1 FROM users WHERE user_id = ${userId} FOR UPDATE`
    const [r] = await tx<Row[]>`DELETE FROM enrolments WHERE device_id = ${deviceId} AND user_id = ${userId} AND expires_at > ${now} RETURNING *`
    if (!r) return null
    const [active] = await tx<{ n: number }[]>`SELECT count(*) AS n FROM devices WHERE user_id = ${userId} AND status = 'active'`
    if ((active?.n ?? 0) >= maxDevices) {
      // Throwing rolls the transaction back: the request stays for a later approval.
      throw new CandorError('forbidden', `a user may have at most ${maxDevices} active devices; revoke one first`)
    }
    const e = toEnrolment(r)
    // Held (devices.adminApproval): a device that cannot sign in until an admin approves it too.
    const status = hold ? 'pending' : 'active'
    await tx`
      INSERT INTO devices (device_id, user_id, name, public_key, status, created_at, attested_by, attestation)
      VALUES (${e.deviceId}, ${userId}, ${e.name}, ${r.public_key}, ${status}, ${e.createdAt}, ${attestation.by}, ${buf(attestation.signature)})`
    if (!hold) await recordDirectoryUpdate(tx, userId)
    return { deviceId: e.deviceId, userId, name: e.name, publicKey: e.publicKey, status, createdAt: e.createdAt, attestation }
  })
}

export async function denyEnrolment(sql: Sql, deviceId: DeviceId, userId: UserId): Promise<boolean> {
  const r = await sql`DELETE FROM enrolments WHERE device_id = ${deviceId} AND user_id = ${userId} RETURNING 1`
  return r.length === 1
}
