// Administrators on PostgreSQL (data ownership): who holds which role, and revocation that never
// removes the last operator, even when several nodes revoke at once.
import type { AdminRole, UserId } from '@candor/protocol'
import type { AdminRecord } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

interface AdminRow {
  user_id: string
  role: AdminRole
  org: string
  granted_by: string | null
  granted_at: number
}

const toAdmin = (r: AdminRow): AdminRecord => ({ userId: r.user_id as UserId, role: r.role, org: r.org, grantedBy: r.granted_by as UserId | null, grantedAt: r.granted_at })

export async function addAdmin(sql: Sql, a: AdminRecord): Promise<boolean> {
  const r = await sql`
    INSERT INTO admins (user_id, role, org, granted_by, granted_at)
    VALUES (${a.userId}, ${a.role}, ${a.org}, ${a.grantedBy}, ${a.grantedAt}) ON CONFLICT DO NOTHING RETURNING 1`
  return r.length === 1
}

export async function getAdmin(sql: Sql, userId: UserId): Promise<AdminRecord | null> {
  const [r] = await sql<AdminRow[]>`SELECT * FROM admins WHERE user_id = ${userId}`
  return r ? toAdmin(r) : null
}

export async function countAdmins(sql: Sql): Promise<number> {
  const [r] = await sql<{ n: number }[]>`SELECT count(*) AS n FROM admins`
  return r?.n ?? 0
}

export async function listAdmins(sql: Sql): Promise<AdminRecord[]> {
  const rows = await sql<AdminRow[]>`SELECT * FROM admins ORDER BY granted_at, user_id`
  return rows.map(toAdmin)
}

export async function removeAdmin(sql: Sql, userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'> {
  return transaction(sql, async (tx) => {
    // Locking every operator row (and the target's) makes two revocations of the last two
    // operators queue up: the second re-reads after the first commits and sees one left.
    const operators = await tx<{ user_id: string }[]>`SELECT user_id FROM admins WHERE role = 'operator' ORDER BY user_id FOR UPDATE`
    const [target] = await tx<{ role: AdminRole }[]>`SELECT role FROM admins WHERE user_id = ${userId} FOR UPDATE`
    if (!target) return 'not_admin' as const
    if (target.role === 'operator' && operators.length <= 1) return 'last_operator' as const
    await tx`DELETE FROM admins WHERE user_id = ${userId}`
    return 'removed' as const
  })
}
