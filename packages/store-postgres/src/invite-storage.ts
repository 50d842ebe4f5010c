// Invite links on PostgreSQL (ports/invite-storage.ts): only the secret's hash is stored.
import type { UserId } from '@candor/protocol'
import type { InviteRecord, InviteStorage, RedeemRefusal } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

interface Row {
  invite_id: string
  creator: UserId
  created_at: number
  expires_at: number
  max_uses: number
  uses: number
  revoked: boolean
}

function toRecord(r: Row): InviteRecord {
  return {
    inviteId: r.invite_id,
    creator: r.creator,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    maxUses: Number(r.max_uses),
    uses: Number(r.uses),
    revoked: r.revoked,
  }
}

export class PostgresInvites implements InviteStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async create(i: Omit<InviteRecord, 'uses' | 'revoked'>, limit: number): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      // One creator's creations in turn, so two at once cannot both pass the limit.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`invites/${i.creator}`}))`
      const [live] = await tx<{ n: number }[]>`
        SELECT count(*)::int8 AS n FROM invites
        WHERE creator = ${i.creator} AND NOT revoked AND expires_at > ${i.createdAt} AND uses < max_uses`
      if (Number(live?.n ?? 0) >= limit) return false
      const r = await tx`
        INSERT INTO invites (invite_id, creator, created_at, expires_at, max_uses)
        VALUES (${i.inviteId}, ${i.creator}, ${i.createdAt}, ${i.expiresAt}, ${i.maxUses}) ON CONFLICT DO NOTHING`
      return r.count === 1
    })
  }

  async get(inviteId: string): Promise<InviteRecord | null> {
    const [r] = await this.#sql<Row[]>`SELECT * FROM invites WHERE invite_id = ${inviteId}`
    return r ? toRecord(r) : null
  }

  async listOf(creator: UserId): Promise<InviteRecord[]> {
    return (await this.#sql<Row[]>`SELECT * FROM invites WHERE creator = ${creator} ORDER BY created_at DESC, invite_id`).map(toRecord)
  }

  async revoke(creator: UserId, inviteId: string): Promise<boolean> {
    return (await this.#sql`UPDATE invites SET revoked = true WHERE invite_id = ${inviteId} AND creator = ${creator}`).count === 1
  }

  async redeem(inviteId: string, now: number): Promise<InviteRecord | RedeemRefusal> {
    // One statement counts the use only if the invite is live, so racing redemptions of the last use cannot both win.
    const [used] = await this.#sql<Row[]>`
      UPDATE invites SET uses = uses + 1
      WHERE invite_id = ${inviteId} AND NOT revoked AND expires_at > ${now} AND uses < max_uses
      RETURNING *`
    if (used) return toRecord(used)
    const [r] = await this.#sql<Row[]>`SELECT * FROM invites WHERE invite_id = ${inviteId}`
    if (!r) return 'unknown'
    if (r.revoked) return 'revoked'
    if (Number(r.expires_at) <= now) return 'expired'
    return 'used_up'
  }

  async eraseOf(creator: UserId): Promise<void> {
    await this.#sql`DELETE FROM invites WHERE creator = ${creator}`
  }
}
