// MLS key packages on PostgreSQL, per device and cipher suite: one-time packages handed out once
// each (concurrent claimers take different rows) and a last-resort package that stays.
import type { DeviceId } from '@candor/protocol'
import { buf, bytes, transaction, type Sql } from './connection.ts'

export async function addKeyPackages(sql: Sql, deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite = 1): Promise<void> {
  await transaction(sql, async (tx) => {
    if (oneTime.length > 0) {
      await tx`
        INSERT INTO key_packages (device_id, last_resort, data, suite)
        SELECT ${deviceId}, false, unnest(${tx.array(oneTime.map(buf), 17)}::bytea[]), ${suite}`
    }
    if (lastResort) {
      await tx`
        INSERT INTO key_packages (device_id, last_resort, data, suite) VALUES (${deviceId}, true, ${buf(lastResort)}, ${suite})
        ON CONFLICT (device_id, suite) WHERE last_resort DO UPDATE SET data = EXCLUDED.data`
    }
  })
}

export async function claimKeyPackage(sql: Sql, deviceId: DeviceId, lastResortOnly = false, suite = 1): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null> {
  // SKIP LOCKED: concurrent claimers take different rows instead of queueing on one.
  const [one] = lastResortOnly
    ? []
    : await sql<{ data: Buffer }[]>`
    DELETE FROM key_packages WHERE id = (
      SELECT id FROM key_packages WHERE device_id = ${deviceId} AND suite = ${suite} AND NOT last_resort
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING data`
  if (one) return { keyPackage: bytes(one.data), lastResort: false }
  const [last] = await sql<{ data: Buffer }[]>`SELECT data FROM key_packages WHERE device_id = ${deviceId} AND suite = ${suite} AND last_resort`
  return last ? { keyPackage: bytes(last.data), lastResort: true } : null
}

export async function countKeyPackages(sql: Sql, deviceId: DeviceId, suite = 1): Promise<{ oneTime: number; lastResort: boolean }> {
  const [r] = await sql<{ one_time: number; last_resort: boolean }[]>`
    SELECT count(*) FILTER (WHERE NOT last_resort) AS one_time, coalesce(bool_or(last_resort), false) AS last_resort
    FROM key_packages WHERE device_id = ${deviceId} AND suite = ${suite}`
  return { oneTime: r?.one_time ?? 0, lastResort: r?.last_resort ?? false }
}
