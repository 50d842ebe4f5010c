// Recovering a group a member cannot follow (docs/protocol.md §5.3, §5.4). Reports: a member's
// signed "I cannot process this commit", verified and relayed to the group's members (deliver
// kind `report`). Resets: the conversation moves onto a new, empty MLS group whose creator then
// adds the members by an ordinary commit; a group is reset at most once, so of many members
// resetting at the same time one wins and the others join its group. Both are budgeted per
// member (recovery-limits.ts), as commits are.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  base64UrlBytes,
  parseGroupId,
  relayedReport,
  reportRequest,
  reportStatement,
  resetRequest,
  utf8,
  type DeviceId,
  type GroupId,
  type GroupResetsResponse,
  type RelayedReport,
  type ReportResponse,
  type ResetResponse,
} from '@candor/protocol'
import type { GroupRecord, GroupReset } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { checkNewGroup } from '../mls/public-handshakes.ts'
import { carryLinkOverReset } from '../organisations/directory-links/link-over-reset.ts'
import { checkSignature } from './device-signature.ts'
import { parseBody, parseParam } from './parse.ts'

async function memberGroup(ctx: AppContext, groupId: GroupId, deviceId: DeviceId): Promise<GroupRecord> {
  const group = await ctx.store.getGroup(groupId)
  if (!group) throw new CandorError('unknown_group', 'no such group')
  if (!group.members.includes(deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
  return group
}

function resetResponse(r: GroupReset): ResetResponse {
  return { conversationId: r.conversationId, previousGroup: r.previousGroup, groupId: r.groupId, epoch: r.epoch, resetBy: r.resetBy, resetAt: r.resetAt }
}

export function recoveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/groups/:groupId/reports', async (req, reply): Promise<ReportResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    const body = parseBody(reportRequest, req.body)
    const group = await memberGroup(ctx, groupId, s.deviceId)
    if (body.epoch > group.epoch) throw new CandorError('bad_request', `epoch: the group is at epoch ${group.epoch}`, { details: { epoch: group.epoch } })
    const device = await ctx.store.getDevice(s.deviceId)
    if (!device) throw new CandorError('unauthenticated', 'unknown device')
    checkSignature(device.publicKey, reportStatement(groupId, body.epoch, body.committer, body.messageId, body.reason), body.signature)
    ctx.recoveryLimits.take('report', s.deviceId, groupId)
    const relayed: RelayedReport = relayedReport.parse({ ...body, groupId })
    const sentAt = Date.now()
    // Keyed by the commit's message id: the same report posted again (a retry) is stored once.
    await new Promise<void>((resolve, reject) => {
      ctx.delivery.submit(
        {
          messageId: body.messageId,
          groupId,
          sender: s.deviceId,
          kind: 4,
          sentAt,
          payload: utf8(JSON.stringify(relayed)),
          recipients: group.members.filter((d) => d !== s.deviceId),
        },
        (error) => (error ? reject(error instanceof Error ? error : new CandorError('internal', 'storing the report failed')) : resolve()),
      )
    })
    reply.code(201)
    return { reportedAt: sentAt }
  })

  app.post('/v1/conversations/:conversationId/reset', async (req, reply): Promise<ResetResponse> => {
    const s = await authenticate(ctx, req)
    const conversationId = parseParam(req.params, 'conversationId', parseGroupId)
    const body = parseBody(resetRequest, req.body)
    const group = await memberGroup(ctx, body.previousGroup, s.deviceId)
    const resets = await ctx.store.groupResets(body.previousGroup)
    if ((resets.from?.conversationId ?? body.previousGroup) !== conversationId) {
      throw new CandorError('bad_request', 'previousGroup: not a group of this conversation')
    }
    if (resets.to) throw new CandorError('conflict', 'this group was reset already', { details: { groupId: resets.to.groupId } })
    if (body.epoch > group.epoch) throw new CandorError('bad_request', `epoch: the group is at epoch ${group.epoch}`, { details: { epoch: group.epoch } })
    const groupInfo = base64UrlBytes(body.groupInfo)
    await checkNewGroup(ctx, body.groupId, groupInfo, s)
    ctx.recoveryLimits.take('reset', s.deviceId, conversationId)
    const reset: GroupReset = { conversationId, previousGroup: body.previousGroup, groupId: body.groupId, epoch: body.epoch, resetBy: s.deviceId, resetAt: Date.now() }
    const r = await ctx.store.resetGroup(reset, groupInfo)
    if (!r.reset) {
      if (r.existing) throw new CandorError('conflict', 'this group was reset already', { details: { groupId: r.existing.groupId } })
      throw new CandorError('conflict', 'groupId: a group with this id exists')
    }
    ctx.roster.changed(body.groupId)
    // The old group now takes application messages from its resetter only (§5.4).
    ctx.roster.changed(body.previousGroup)
    // The reset stands either way; a link that could not move is logged (an admin links it again).
    await carryLinkOverReset(ctx, body.previousGroup, body.groupId, s.userId).catch((err: unknown) => ctx.log.error({ err, groupId: body.groupId }, 'directory link not moved to the reset group'))
    reply.code(201)
    return resetResponse(reset)
  })

  app.get('/v1/groups/:groupId/resets', async (req): Promise<GroupResetsResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    await memberGroup(ctx, groupId, s.deviceId)
    const { from, to } = await ctx.store.groupResets(groupId)
    return { groupId, conversationId: from?.conversationId ?? groupId, from: from && resetResponse(from), to: to && resetResponse(to) }
  })
}
