// Contact requests, contacts and blocks (docs/protocol.md §5.5). Only a request's recipient sees,
// accepts or declines it; a decline tells the sender nothing. Accepting makes the two contacts
// both ways and delivers what was held, in order; the recipient's other devices are told
// (`request_settled`). Blocks are a user's own list: a blocked person's new requests and messages
// to the blocker are silently not delivered.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  blockRequest,
  contactPolicyRequest,
  parseOrgId,
  parseRequestId,
  parseUserId,
  type BlocksResponse,
  type ContactPolicyResponse,
  type ContactRequestsResponse,
  type SettleRequestResponse,
  type DeviceId,
  type GroupId,
  type UserId,
} from '@candor/protocol'
import type { ContactRequestRecord } from '@candor/ports'
import { loadPublicGroup, treeLeaves } from '@candor/crypto'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { parseBody, parseParam } from '../http/parse.ts'
import { resetChain } from './reset-chain.ts'

export function requestRoutes(app: FastifyInstance, ctx: AppContext): void {
  const contacts = () => ctx.store.contacts()
  const requestParam = (params: unknown) => parseParam(params, 'requestId', parseRequestId)

  /** The request if it is the user's own and pending; anyone else's is "not found", as one that does not exist. */
  async function ownPending(requestId: string, userId: UserId) {
    const r = await contacts().getRequest(requestId)
    if (!r || r.recipient !== userId || r.state !== 'pending') throw new CandorError('not_found', 'no such pending request')
    return r
  }

  async function existingUser(userId: UserId): Promise<UserId> {
    if (!(await ctx.store.userExists(userId))) throw new CandorError('unknown_user', 'no such user')
    return userId
  }

  app.get('/v1/requests', async (req): Promise<ContactRequestsResponse> => {
    const s = await authenticate(ctx, req)
    const all = await contacts().listRequests(s.userId)
    // A request a reset carried over to a newer group is listed once, as the newest (§5.5).
    const pendingGroups = new Set<string>(all.map((r) => r.groupId))
    const requests = []
    for (const r of all) if (!(await resetChain(ctx.store, r.groupId)).after.some((g) => pendingGroups.has(g))) requests.push(r)
    return { requests: requests.map((r) => ({ requestId: r.requestId, from: r.sender, groupId: r.groupId, held: r.held, createdAt: r.createdAt })) }
  })

  /**
   * The request's devices a commit removed from the group before the recipient accepted: the
   * store put them on the roster with the others; the roster follows the validated tree
   * (§5.1), so they come off again before anything more is delivered to them.
   */
  async function offTheTree(groupId: GroupId, devices: readonly DeviceId[]): Promise<void> {
    const info = await ctx.store.groupInfo(groupId)
    if (!info) return
    const inTree = new Set<string>(treeLeaves(loadPublicGroup(info).tree).map((l) => l.deviceId))
    for (const d of devices) if (!inTree.has(d)) await ctx.store.removeMember(groupId, d)
  }

  app.post('/v1/requests/:requestId/accept', async (req): Promise<SettleRequestResponse> => {
    const s = await authenticate(ctx, req)
    const requestId = requestParam(req.params)
    const asked = await ownPending(requestId, s.userId)
    // With it, the same person's requests in the groups a reset linked to its group, oldest
    // first: the older group's welcome and messages reach the device before the newer group's,
    // which it then joins as the same conversation (§5.4).
    let delivered = 0
    for (const q of await linkedPending(asked, s.userId)) {
      const r = await contacts().acceptRequest(q.requestId, s.userId, Date.now())
      if (!r) {
        if (q.requestId === requestId) throw new CandorError('not_found', 'no such pending request')
        continue
      }
      await offTheTree(r.request.groupId, r.request.devices)
      ctx.roster.changed(r.request.groupId)
      // Held deliveries go out as queued: in order, after whatever was stored before them.
      const frames = []
      for (const m of r.released) frames.push(...ctx.delivery.fanOut(m, [{ deviceId: m.deviceId, seq: m.seq }]))
      ctx.delivery.publish(frames)
      delivered += r.released.length
      ctx.notifyUser(s.userId, { kind: 'request_settled', requestId: q.requestId, state: 'accepted' })
    }
    return { requestId, state: 'accepted', delivered }
  })

  /** The user's pending requests in `r`'s group and the groups resets linked to it, oldest group first. */
  async function linkedPending(r: ContactRequestRecord, userId: UserId): Promise<ContactRequestRecord[]> {
    const { before, after } = await resetChain(ctx.store, r.groupId)
    const out: ContactRequestRecord[] = []
    for (const g of [...before, r.groupId, ...after]) {
      const q = g === r.groupId ? r : await contacts().requestIn(g, userId)
      if (q?.state === 'pending' && q.recipient === userId) out.push(q)
    }
    return out
  }

  app.post('/v1/requests/:requestId/decline', async (req): Promise<SettleRequestResponse> => {
    const s = await authenticate(ctx, req)
    const requestId = requestParam(req.params)
    const asked = await ownPending(requestId, s.userId)
    for (const q of await linkedPending(asked, s.userId)) {
      if (!(await contacts().declineRequest(q.requestId, s.userId))) {
        if (q.requestId === requestId) throw new CandorError('not_found', 'no such pending request')
        continue
      }
      ctx.roster.changed(q.groupId)
      ctx.notifyUser(s.userId, { kind: 'request_settled', requestId: q.requestId, state: 'declined' })
    }
    return { requestId, state: 'declined', delivered: 0 }
  })

  app.put('/v1/contacts/:userId', async (req) => {
    const s = await authenticate(ctx, req)
    const userId = await existingUser(parseParam(req.params, 'userId', parseUserId))
    if (userId === s.userId) throw new CandorError('bad_request', 'userId: you are your own contact')
    const added = await contacts().addContact(s.userId, userId, Date.now())
    return { userId, added }
  })

  app.get('/v1/blocks', async (req): Promise<BlocksResponse> => {
    const s = await authenticate(ctx, req)
    return { blocks: await contacts().listBlocks(s.userId) }
  })

  async function block(blocker: UserId, blocked: UserId) {
    await existingUser(blocked)
    if (blocked === blocker) throw new CandorError('bad_request', 'userId: you cannot block yourself')
    const added = await contacts().block(blocker, blocked, Date.now())
    ctx.contacts.blocksChanged(blocked)
    // Their pending requests to the blocker are declined: nothing of theirs is delivered.
    for (const r of await contacts().listRequests(blocker)) {
      if (r.sender === blocked && (await contacts().declineRequest(r.requestId, blocker))) ctx.roster.changed(r.groupId)
    }
    return { userId: blocked, blocked: true, added }
  }

  app.put('/v1/blocks', async (req) => {
    const s = await authenticate(ctx, req)
    return block(s.userId, parseBody(blockRequest, req.body).userId)
  })

  app.put('/v1/blocks/:userId', async (req) => {
    const s = await authenticate(ctx, req)
    return block(s.userId, parseParam(req.params, 'userId', parseUserId))
  })

  app.delete('/v1/blocks/:userId', async (req) => {
    const s = await authenticate(ctx, req)
    const userId = parseParam(req.params, 'userId', parseUserId)
    if (!(await contacts().unblock(s.userId, userId))) throw new CandorError('not_found', 'this user is not blocked')
    ctx.contacts.blocksChanged(userId)
    return { userId, blocked: false }
  })

  app.post('/v1/orgs/:org/contact-policy', async (req): Promise<ContactPolicyResponse> => {
    const admin = await requirePermission(ctx, req, 'signup.set')
    const org = parseParam(req.params, 'org', parseOrgId)
    const { requestsInside } = parseBody(contactPolicyRequest, req.body)
    await scopedOrg(ctx, admin, org, 'signup.set')
    // One policy document per organisation: this sets its contacts.requestsInside as a new version.
    const current = await ctx.policies.current(org)
    await ctx.policies.set(admin, org, { ...current, contacts: { ...current.contacts, requestsInside } })
    ctx.log.warn({ by: admin.userId, org, requestsInside }, 'organisation contact policy set')
    return { org, requestsInside }
  })
}
