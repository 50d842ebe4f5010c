// Invite links (docs/protocol.md "Invite links"). A person's device makes a secret, keeps it in
// the link's fragment (never sent to a server by a browser) and registers only its SHA-256 with
// an expiry and a number of uses. Whoever redeems the secret becomes the creator's contact and
// the creator theirs — the link is the creator's consent, the redemption the redeemer's — unless
// either blocked the other or an organisation's `contacts.scope` keeps them apart. The creator
// lists and revokes their own invites; anyone else's are "not found".
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  createInviteRequest,
  redeemInviteRequest,
  type InviteInfo,
  type OrgPolicy,
  type UserId,
} from '@candor/protocol'
import type { InviteRecord, Membership } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody, parseParam } from './parse.ts'

const INVITE_ID = /^[A-Za-z0-9_-]{43}$/

function info(i: InviteRecord): InviteInfo {
  return { inviteId: i.inviteId, createdAt: i.createdAt, expiresAt: i.expiresAt, maxUses: i.maxUses, uses: i.uses, revoked: i.revoked }
}

/** Whether `policy` (of `own`'s organisation) lets its person be in contact with someone of `other`. */
function scopeAllows(policy: OrgPolicy, own: Membership, other: Membership | null): boolean {
  if (policy.contacts.scope === 'anyone') return true
  if (!other || other.guest) return false
  if (other.org === own.org) return true
  return policy.contacts.scope === 'partners' && policy.contacts.partners.includes(other.org)
}

async function mayConnect(ctx: AppContext, a: UserId, b: UserId): Promise<boolean> {
  const contacts = ctx.store.contacts()
  if ((await contacts.isBlocked(a, b)) || (await contacts.isBlocked(b, a))) return false
  const [ma, mb] = await Promise.all([ctx.store.membershipOf(a), ctx.store.membershipOf(b)])
  for (const [own, other] of [[ma, mb], [mb, ma]] as const) {
    if (own && !own.guest && !scopeAllows(await ctx.policies.current(own.org), own, other)) return false
  }
  return true
}

export function inviteRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/invites', async (req, reply): Promise<InviteInfo> => {
    const s = await authenticate(ctx, req)
    const body = parseBody(createInviteRequest, req.body)
    const now = Date.now()
    const record = { inviteId: body.secretHash, creator: s.userId, createdAt: now, expiresAt: now + body.expiresInSeconds * 1000, maxUses: body.maxUses }
    if (!(await ctx.store.invites().create(record, LIMITS.invitesPerUser))) {
      const live = (await ctx.store.invites().listOf(s.userId)).some((i) => i.inviteId === body.secretHash)
      if (live) throw new CandorError('duplicate', 'an invite with this secret exists')
      throw new CandorError('quota_exceeded', `you hold ${LIMITS.invitesPerUser} live invites, the most one person may: revoke one first`, { details: { limit: LIMITS.invitesPerUser } })
    }
    reply.code(201)
    return info({ ...record, uses: 0, revoked: false })
  })

  app.get('/v1/invites', async (req) => {
    const s = await authenticate(ctx, req)
    return { invites: (await ctx.store.invites().listOf(s.userId)).map(info) }
  })

  app.delete('/v1/invites/:inviteId', async (req) => {
    const s = await authenticate(ctx, req)
    const inviteId = parseParam(req.params, 'inviteId', (v: unknown): string => {
      if (typeof v !== 'string' || !INVITE_ID.test(v)) throw new CandorError('bad_request', 'inviteId: 43 characters of base64url')
      return v
    })
    if (!(await ctx.store.invites().revoke(s.userId, inviteId))) throw new CandorError('not_found', 'you have no invite with this id')
    return { revoked: true }
  })

  app.post('/v1/invites/redeem', async (req) => {
    const s = await authenticate(ctx, req)
    const { secret } = parseBody(redeemInviteRequest, req.body)
    const inviteId = createHash('sha256').update(Buffer.from(secret, 'base64url')).digest('base64url')
    // Checked before a use is counted, so a refused redemption leaves the invite as it was.
    const invites = ctx.store.invites()
    const found = await invites.get(inviteId)
    if (!found) throw new CandorError('not_found', 'no such invite: check the link')
    const creator = found.creator
    if (creator === s.userId) throw new CandorError('bad_request', 'this is your own invite: send the link to the person you want to talk to')
    if (!(await mayConnect(ctx, creator, s.userId))) throw new CandorError('forbidden', 'this invite cannot connect you: one of you blocked the other, or an organisation’s policy keeps you apart')
    const used = await invites.redeem(inviteId, Date.now())
    if (typeof used === 'string') {
      if (used === 'unknown') throw new CandorError('not_found', 'no such invite: check the link')
      const why = { expired: 'this invite has expired', revoked: 'this invite was revoked by the person who made it', used_up: 'this invite has been used as often as its creator allowed' }[used]
      throw new CandorError('invite_invalid', why, { details: { reason: used } })
    }
    const at = Date.now()
    await ctx.store.contacts().addContact(creator, s.userId, at)
    await ctx.store.contacts().addContact(s.userId, creator, at)
    return { userId: creator }
  })
}
