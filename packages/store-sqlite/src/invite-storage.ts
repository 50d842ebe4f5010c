// Invite links on SQLite (ports/invite-storage.ts): only the secret's hash is stored.
import type Database from 'better-sqlite3'
import type { UserId } from '@candor/protocol'
import type { InviteRecord, InviteStorage, RedeemRefusal } from '@candor/ports'

interface Row {
  invite_id: string
  creator: UserId
  created_at: number
  expires_at: number
  max_uses: number
  uses: number
  revoked: number
}

function toRecord(r: Row): InviteRecord {
  return { inviteId: r.invite_id, creator: r.creator, createdAt: r.created_at, expiresAt: r.expires_at, maxUses: r.max_uses, uses: r.uses, revoked: r.revoked === 1 }
}

export class SqliteInvites implements InviteStorage {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  async create(i: Omit<InviteRecord, 'uses' | 'revoked'>, limit: number): Promise<boolean> {
    return this.#db.transaction((): boolean => {
      const live = this.#db
        .prepare('SELECT count(*) FROM invites WHERE creator = ? AND revoked = 0 AND expires_at > ? AND uses < max_uses')
        .pluck()
        .get(i.creator, i.createdAt) as number
      if (live >= limit) return false
      return (
        this.#db
          .prepare('INSERT OR IGNORE INTO invites (invite_id, creator, created_at, expires_at, max_uses) VALUES (?, ?, ?, ?, ?)')
          .run(i.inviteId, i.creator, i.createdAt, i.expiresAt, i.maxUses).changes === 1
      )
    }).immediate()
  }

  async get(inviteId: string): Promise<InviteRecord | null> {
    const r = this.#db.prepare('SELECT * FROM invites WHERE invite_id = ?').get(inviteId) as Row | undefined
    return r ? toRecord(r) : null
  }

  async listOf(creator: UserId): Promise<InviteRecord[]> {
    return (this.#db.prepare('SELECT * FROM invites WHERE creator = ? ORDER BY created_at DESC, invite_id').all(creator) as Row[]).map(toRecord)
  }

  async revoke(creator: UserId, inviteId: string): Promise<boolean> {
    return this.#db.prepare('UPDATE invites SET revoked = 1 WHERE invite_id = ? AND creator = ?').run(inviteId, creator).changes === 1
  }

  async redeem(inviteId: string, now: number): Promise<InviteRecord | RedeemRefusal> {
    return this.#db.transaction((): InviteRecord | RedeemRefusal => {
      const r = this.#db.prepare('SELECT * FROM invites WHERE invite_id = ?').get(inviteId) as Row | undefined
      if (!r) return 'unknown'
      if (r.revoked === 1) return 'revoked'
      if (r.expires_at <= now) return 'expired'
      if (r.uses >= r.max_uses) return 'used_up'
      this.#db.prepare('UPDATE invites SET uses = uses + 1 WHERE invite_id = ?').run(inviteId)
      return toRecord({ ...r, uses: r.uses + 1 })
    }).immediate()
  }

  async eraseOf(creator: UserId): Promise<void> {
    this.#db.prepare('DELETE FROM invites WHERE creator = ?').run(creator)
  }
}
