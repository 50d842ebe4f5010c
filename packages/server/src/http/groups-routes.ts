// Conversations as MLS groups. The server is the Delivery Service: it keeps each group's
// epoch and delivery roster, accepts exactly one commit per epoch (a stale one is refused
// with the current epoch so the client can catch up and retry), and routes welcomes.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  bytesEqual,
  commitRequest,
  createGroupRequest,
  base64UrlBytes,
  opaqueIdBytes,
  parseGroupId,
  type CommitResponse,
  type GroupId,
  type GroupInfoResponse,
} from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { readMlsHeader, WireFormat } from '../mls/mls-header.ts'
import { parseBody, parseParam } from './parse.ts'

const CONTENT_COMMIT = 3

function groupParam(params: unknown): GroupId {
  return parseParam(params, 'groupId', parseGroupId)
}

export function groupsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/groups', async (req, reply): Promise<GroupInfoResponse> => {
    const s = await authenticate(ctx, req)
    const { groupId } = parseBody(createGroupRequest, req.body)
    if (!(await ctx.store.createGroup(groupId, s.deviceId, Date.now()))) {
      throw new CandorError('conflict', 'a group with this id exists')
    }
    reply.code(201)
    return { groupId, epoch: 0, members: [s.deviceId] }
  })

  app.get('/v1/groups', async (req) => {
    const s = await authenticate(ctx, req)
    return { groups: await ctx.store.listGroups(s.deviceId) }
  })

  app.get('/v1/groups/:groupId', async (req): Promise<GroupInfoResponse> => {
    const s = await authenticate(ctx, req)
    const group = await ctx.store.getGroup(groupParam(req.params))
    if (!group) throw new CandorError('unknown_group', 'no such group')
    if (!group.members.includes(s.deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
    return group
  })

  app.post('/v1/groups/:groupId/leave', async (req) => {
    const s = await authenticate(ctx, req)
    const groupId = groupParam(req.params)
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    if (!group.members.includes(s.deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
    await ctx.store.removeMember(groupId, s.deviceId)
    ctx.roster.changed(groupId)
    return { left: true }
  })

  app.post('/v1/groups/:groupId/commits', async (req): Promise<CommitResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = groupParam(req.params)
    const body = parseBody(commitRequest, req.body)
    ctx.recoveryLimits.take('commit', s.deviceId, groupId)
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    const members = new Set(group.members)
    if (!members.has(s.deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')

    const commit = base64UrlBytes(body.commit)
    const h = readMlsHeader(commit)
    if (h.wireFormat !== WireFormat.private || h.contentType !== CONTENT_COMMIT) {
      throw new CandorError('invalid_mls_message', 'commit must be an MLS PrivateMessage carrying a commit')
    }
    if (!bytesEqual(h.groupId, opaqueIdBytes(groupId, 'groupId'))) throw new CandorError('invalid_mls_message', 'MLS group id does not match')
    if (h.epoch !== body.epoch) throw new CandorError('invalid_mls_message', 'declared epoch does not match the MLS message')
    if (body.epoch !== group.epoch) {
      throw new CandorError('stale_epoch', `the group is at epoch ${group.epoch}`, { details: { epoch: group.epoch } })
    }
    const welcome = body.welcome === undefined ? undefined : base64UrlBytes(body.welcome)
    if (welcome && !(welcome[0] === 0 && welcome[1] === 1 && welcome[2] === 0 && welcome[3] === WireFormat.welcome)) {
      throw new CandorError('invalid_mls_message', 'welcome is not an MLS Welcome')
    }
    if (body.added.length > 0 && !welcome) throw new CandorError('bad_request', 'adding devices needs a welcome')
    const added = [...new Set(body.added)]
    // Devices that already left the delivery roster (revoked, or left) may still be MLS leaves
    // to remove; only current members change the roster.
    const removed = [...new Set(body.removed)].filter((d) => members.has(d))
    if (members.size + added.length - removed.length > LIMITS.groupMembers) {
      throw new CandorError('forbidden', `a group has at most ${LIMITS.groupMembers} devices`)
    }
    for (const d of added) {
      if (members.has(d)) throw new CandorError('conflict', `device ${d} is already a member`)
      const dev = await ctx.store.getDevice(d)
      if (!dev || dev.status !== 'active') throw new CandorError('unknown_device', `device ${d} is not an active device`)
    }

    const sentAt = Date.now()
    // Consent to be contacted (contacts/contact-gate.ts): strangers' devices are held under a request.
    const gate = await ctx.contacts.membersAdded(groupId, s.deviceId, added, welcome && { messageId: body.messageId, sentAt, payload: welcome })
    const r = await ctx.store.acceptCommit({
      groupId,
      epoch: body.epoch,
      sender: s.deviceId,
      messageId: body.messageId,
      sentAt,
      commit,
      welcome,
      added: gate.delivered,
      removed,
    })
    if (!r.accepted) {
      await gate.abandon()
      throw new CandorError('stale_epoch', `the group is at epoch ${r.epoch}`, { details: { epoch: r.epoch } })
    }
    await gate.committed({ messageId: body.messageId, groupId, sender: s.deviceId, kind: 1, sentAt, payload: commit })
    ctx.roster.changed(groupId)
    const addedSet = new Set(added)
    const frames = []
    for (const d of r.deliveries) {
      const kind = addedSet.has(d.deviceId) ? 2 : 1
      const payload = kind === 2 ? welcome! : commit
      frames.push(...ctx.delivery.fanOut({ messageId: body.messageId, groupId, sender: s.deviceId, kind, sentAt, payload }, [d]))
    }
    ctx.delivery.publish(frames)
    return { epoch: r.epoch, sentAt }
  })
}
