// Administrators (data ownership): who holds which role, granted by whom. Part of the Store.
import type { AdminRole, UserId } from '@candor/protocol'

/**
 * A person with administrator rights (they sign in with their own device key like anyone):
 * `operator` runs the server; any other role holds in `org`, the person's own organisation.
 */
export interface AdminRecord {
  userId: UserId
  role: AdminRole
  /** The organisation the role holds in; for an operator, the name its receipts show. */
  org: string
  /** Null for the operator's first admin, enrolled with the one-time token. */
  grantedBy: UserId | null
  grantedAt: number
}

/** Administrators (part of Store). */
export interface AdminStore {
  /** Makes a user an administrator; false if they already are one. */
  addAdmin(admin: AdminRecord): Promise<boolean>
  getAdmin(userId: UserId): Promise<AdminRecord | null>
  countAdmins(): Promise<number>
  /** Every administrator, oldest grant first. */
  listAdmins(): Promise<AdminRecord[]>
  /**
   * Takes a user's admin rights away, atomically refusing to remove the last operator (so the
   * service always keeps someone who can grant rights) even when several nodes revoke at once.
   */
  removeAdmin(userId: UserId): Promise<'removed' | 'not_admin' | 'last_operator'>
}
