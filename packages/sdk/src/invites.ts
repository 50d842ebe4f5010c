// Invite links (docs/protocol.md §5.8): this device makes the secret and keeps it in the link's
// fragment; the server gets its SHA-256 only. Redeeming a link makes its creator and this person
// each other's contacts, so either can start a conversation without a contact request.
import {
  CandorError,
  fromBase64Url,
  inviteInfoSchema,
  invitesResponse,
  randomBytes,
  redeemInviteResponse,
  revokeInviteResponse,
  toBase64Url,
  type InviteInfo,
} from '@candor/protocol'
import type { DataApi } from './data/data-api.ts'

const SECRET = /^[A-Za-z0-9_-]{43}$/

export interface NewInvite {
  /** How often the link may be used (1–100; default 1). */
  maxUses?: number
  /** How long it stays good, in seconds (60 s to 30 days; default 7 days). */
  expiresInSeconds?: number
}

/** The secret of a link (`…#/invite/<secret>`), or the secret itself; a clear error for anything else. */
export function inviteSecretOf(link: string): string {
  const t = link.trim()
  const m = /#\/invite\/([A-Za-z0-9_-]+)$/.exec(t)
  const secret = m ? m[1]! : t
  if (!SECRET.test(secret) || fromBase64Url(secret)?.length !== 32) throw new CandorError('bad_request', 'not an invite link: it ends in #/invite/ and 43 characters')
  return secret
}

export class Invites {
  readonly #data: DataApi
  readonly #serverUrl: string

  constructor(data: DataApi, serverUrl: string) {
    this.#data = data
    this.#serverUrl = serverUrl.replace(/\/$/, '')
  }

  /** Makes a link; the secret exists only in the returned link. */
  async create(opts: NewInvite = {}): Promise<{ link: string; invite: InviteInfo }> {
    const secret = randomBytes(32)
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(secret)))
    const body = { secretHash: toBase64Url(hash), maxUses: opts.maxUses ?? 1, expiresInSeconds: opts.expiresInSeconds ?? 7 * 24 * 3600 }
    const invite = await this.#data.call(inviteInfoSchema, 'POST', '/v1/invites', { body })
    return { link: `${this.#serverUrl}/#/invite/${toBase64Url(secret)}`, invite }
  }

  async list(): Promise<InviteInfo[]> {
    return (await this.#data.call(invitesResponse, 'GET', '/v1/invites')).invites
  }

  async revoke(inviteId: string): Promise<void> {
    await this.#data.call(revokeInviteResponse, 'DELETE', `/v1/invites/${encodeURIComponent(inviteId)}`)
  }

  /** Redeems a link; the creator's user id (now a contact). */
  async redeem(link: string): Promise<string> {
    const secret = inviteSecretOf(link)
    return (await this.#data.call(redeemInviteResponse, 'POST', '/v1/invites/redeem', { body: { secret } })).userId
  }
}
