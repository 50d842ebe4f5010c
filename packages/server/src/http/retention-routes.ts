// Disappearing messages: a member of a conversation sets its timer (within the retention
// policy); the server then deletes the conversation's ciphertext, delivered or not, once the
// timer has run out since it was sent (the sweeper in server.ts).
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { CandorError, parseGroupId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody, parseParam } from './parse.ts'
import { checkTimer } from '../organisations/policy/policy-enforcement.ts'

const retentionRequest = z.strictObject({ seconds: z.number().int().positive().max(10 * 366 * 24 * 3600).nullable() })

export function retentionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const memberGroup = async (req: Parameters<typeof authenticate>[1]) => {
    const s = await authenticate(ctx, req)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    if (!group.members.includes(s.deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
    return { s, groupId, members: group.members }
  }

  app.get('/v1/groups/:groupId/retention', async (req) => {
    const { groupId } = await memberGroup(req)
    return { groupId, retentionMs: await ctx.store.getRetention(groupId) }
  })

  app.put('/v1/groups/:groupId/retention', async (req) => {
    const { s, groupId, members } = await memberGroup(req)
    const { seconds } = parseBody(retentionRequest, req.body)
    // The policies of the members' organisations (retention.disappearingAllowed, min/maxSeconds).
    await checkTimer(ctx, members, seconds)
    const retentionMs = await ctx.retention.decide({ groupId, requestedMs: seconds === null ? null : seconds * 1000, by: { userId: s.userId, deviceId: s.deviceId } })
    await ctx.store.setRetention(groupId, retentionMs)
    return { groupId, retentionMs }
  })
}
