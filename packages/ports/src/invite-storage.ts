// Invite links (docs/protocol.md "Invite links"): a person's link lets whoever holds its secret
// become their contact. The store keeps only the secret's SHA-256 (which is the invite's id),
// with its expiry, how often it may be used and was, and whether its creator revoked it.
// Reached through Store.invites(); the contract suite runs it on every adapter.
import type { UserId } from '@candor/protocol'

export interface InviteRecord {
  /** base64url SHA-256 of the link's secret: the id; the secret itself is never stored. */
  inviteId: string
  creator: UserId
  createdAt: number
  expiresAt: number
  maxUses: number
  uses: number
  revoked: boolean
}

/** Why a redemption was refused; the invite is unchanged. */
export type RedeemRefusal = 'unknown' | 'expired' | 'revoked' | 'used_up'

export interface InviteStorage {
  /** Stores a new invite (uses 0, not revoked); false, changing nothing, when the id exists or the creator holds `limit` live ones. */
  create(invite: Omit<InviteRecord, 'uses' | 'revoked'>, limit: number): Promise<boolean>
  /** An invite by id (the secret's hash), or null. */
  get(inviteId: string): Promise<InviteRecord | null>
  /** The creator's invites, newest first (revoked and expired included). */
  listOf(creator: UserId): Promise<InviteRecord[]>
  /** Revokes the creator's invite; false when they have none by that id (another person's counts as none). */
  revoke(creator: UserId, inviteId: string): Promise<boolean>
  /** Counts one use atomically when the invite is live at `now`; else why not. Two racing redemptions of the last use: one wins. */
  redeem(inviteId: string, now: number): Promise<InviteRecord | RedeemRefusal>
  /** Erasure: the person's invites go. */
  eraseOf(creator: UserId): Promise<void>
}
