// Conversations as MLS groups. The server is the Delivery Service: it keeps each group's
// epoch, public state (its latest signed GroupInfo) and delivery roster, accepts exactly one
// commit per epoch and only one valid against the group's public state (docs/protocol.md §5.1;
// a stale one is refused with the current epoch so the client can catch up and retry), and
// routes welcomes. The roster follows the validated tree (mls/accepted-commit.ts).
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  commitRequest,
  createGroupRequest,
  externalCommitRequest,
  base64UrlBytes,
  parseGroupId,
  toBase64Url,
  type Base64Url,
  type CommitResponse,
  type DeviceId,
  type GroupId,
  type GroupInfoBytesResponse,
  type GroupInfoResponse,
} from '@candor/protocol'
import type { GroupRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { acceptValidatedCommit } from '../mls/accepted-commit.ts'
import { WireFormat } from '../mls/mls-header.ts'
import { checkNewGroup, hasLeafOf, storedGroupInfo, validatedCommit } from '../mls/public-handshakes.ts'
import { parseBody, parseParam } from './parse.ts'

function groupParam(params: unknown): GroupId {
  return parseParam(params, 'groupId', parseGroupId)
}

async function memberGroup(ctx: AppContext, groupId: GroupId, deviceId: DeviceId): Promise<GroupRecord> {
  const group = await ctx.store.getGroup(groupId)
  if (!group) throw new CandorError('unknown_group', 'no such group')
  if (!group.members.includes(deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
  return group
}

function welcomeBytes(welcome: Base64Url | undefined): Uint8Array | undefined {
  if (welcome === undefined) return undefined
  const bytes = base64UrlBytes(welcome)
  if (!(bytes[0] === 0 && bytes[1] === 1 && bytes[2] === 0 && bytes[3] === WireFormat.welcome)) {
    throw new CandorError('invalid_mls_message', 'welcome is not an MLS Welcome')
  }
  return bytes
}

export function groupsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/groups', async (req, reply): Promise<GroupInfoResponse> => {
    const s = await authenticate(ctx, req)
    const { groupId, groupInfo } = parseBody(createGroupRequest, req.body)
    const info = base64UrlBytes(groupInfo)
    await checkNewGroup(ctx, groupId, info, s)
    if (!(await ctx.store.createGroup(groupId, s.deviceId, Date.now(), info))) {
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
    return memberGroup(ctx, groupParam(req.params), s.deviceId)
  })

  app.get('/v1/groups/:groupId/group-info', async (req): Promise<GroupInfoBytesResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = groupParam(req.params)
    // Members, and an active device of a person with a leaf in the tree, who may take an old
    // device's place by an external commit (docs/protocol.md §5.2).
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    if (!group.members.includes(s.deviceId) && !(await hasLeafOf(ctx, groupId, s.userId))) {
      throw new CandorError('not_member', 'this device is not a member of the group')
    }
    return { groupId, epoch: group.epoch, groupInfo: toBase64Url(await storedGroupInfo(ctx, groupId)) }
  })

  app.post('/v1/groups/:groupId/leave', async (req) => {
    const s = await authenticate(ctx, req)
    const groupId = groupParam(req.params)
    await memberGroup(ctx, groupId, s.deviceId)
    await ctx.store.removeMember(groupId, s.deviceId)
    ctx.roster.changed(groupId)
    return { left: true }
  })

  app.post('/v1/groups/:groupId/commits', async (req): Promise<CommitResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = groupParam(req.params)
    const body = parseBody(commitRequest, req.body)
    ctx.recoveryLimits.take('commit', s.deviceId, groupId)
    const group = await memberGroup(ctx, groupId, s.deviceId)
    const commit = base64UrlBytes(body.commit)
    const groupInfo = base64UrlBytes(body.groupInfo)
    const welcome = welcomeBytes(body.welcome)
    const v = await validatedCommit(ctx, groupId, s, commit, groupInfo, { external: false })
    // Here the devices this commit adds are known, validated (addedDevices(v): active devices,
    // each its user's, with its key) and nothing is stored yet: the one place for a check of who
    // may add whom to a conversation.
    return acceptValidatedCommit(ctx, v, { groupId, group, sender: s.deviceId, messageId: body.messageId, commit, welcome, groupInfo })
  })

  app.post('/v1/groups/:groupId/external-commits', async (req): Promise<CommitResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = groupParam(req.params)
    const body = parseBody(externalCommitRequest, req.body)
    ctx.recoveryLimits.take('commit', s.deviceId, groupId)
    // A resync: the device is still a member (on the roster and a leaf) but holds no usable state.
    // Or a device of a member, not on the roster, taking the place of an old device of its own
    // person's (a recovered device; mls/device-replacement.ts checks which).
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    const onRoster = group.members.includes(s.deviceId)
    if (!onRoster && !(await hasLeafOf(ctx, groupId, s.userId))) throw new CandorError('not_member', 'this device is not a member of the group')
    const commit = base64UrlBytes(body.commit)
    const groupInfo = base64UrlBytes(body.groupInfo)
    const v = await validatedCommit(ctx, groupId, s, commit, groupInfo, { external: true, onRoster })
    return acceptValidatedCommit(ctx, v, { groupId, group, sender: s.deviceId, messageId: body.messageId, commit, welcome: undefined, groupInfo })
  })
}
