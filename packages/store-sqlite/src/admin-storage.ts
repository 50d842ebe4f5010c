// Administrators on SQLite: who may act on other people's data (every such act goes through
// the access gate and leaves a receipt; this table only says who holds which role).
import type Database from 'better-sqlite3'
import type { AdminRole, UserId } from '@candor/protocol'
import type { AdminRecord } from '@candor/ports'

interface Row {
  user_id: string
  role: AdminRole
  org: string
  granted_by: string | null
  granted_at: number
}

const toAdmin = (r: Row): AdminRecord => ({ userId: r.user_id as UserId, role: r.role, org: r.org, grantedBy: r.granted_by as UserId | null, grantedAt: r.granted_at })

export class SqliteAdmins {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  add(a: AdminRecord): boolean {
    const r = this.#db
      .prepare('INSERT OR IGNORE INTO admins (user_id, role, org, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)')
      .run(a.userId, a.role, a.org, a.grantedBy, a.grantedAt)
    return r.changes === 1
  }

  get(userId: UserId): AdminRecord | null {
    const r = this.#db.prepare('SELECT * FROM admins WHERE user_id = ?').get(userId) as Row | undefined
    return r ? toAdmin(r) : null
  }

  count(): number {
    return this.#db.prepare('SELECT COUNT(*) FROM admins').pluck().get() as number
  }

  list(): AdminRecord[] {
    return (this.#db.prepare('SELECT * FROM admins ORDER BY granted_at, user_id').all() as Row[]).map(toAdmin)
  }

  remove(userId: UserId): 'removed' | 'not_admin' | 'last_operator' {
    // One writer at a time on SQLite: the check and the delete cannot interleave with another revocation.
    return this.#db.transaction(() => {
      const role = this.#db.prepare('SELECT role FROM admins WHERE user_id = ?').pluck().get(userId) as AdminRole | undefined
      if (role === undefined) return 'not_admin' as const
      if (role === 'operator' && (this.#db.prepare("SELECT COUNT(*) FROM admins WHERE role = 'operator'").pluck().get() as number) <= 1) return 'last_operator' as const
      this.#db.prepare('DELETE FROM admins WHERE user_id = ?').run(userId)
      return 'removed' as const
    }).immediate()
  }
}
