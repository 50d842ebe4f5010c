// Which commit took an epoch of a group. The one-commit-per-epoch rule means a committer whose
// answer was lost (a timeout, a dropped connection, a crash before it saved its new state)
// cannot tell from its own state whether the server accepted its commit; it asks here, and
// adopts the state it kept aside or drops it (docs/protocol.md §5.6).
import type { FastifyInstance } from 'fastify'
import { CandorError, decimalText, parseEpoch, parseGroupId, type AcceptedCommitResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseParam } from './parse.ts'

const epochText = decimalText(parseEpoch)

export function groupCommitsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/groups/:groupId/commits/:epoch', async (req): Promise<AcceptedCommitResponse> => {
    const s = await authenticate(ctx, req)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    const epoch = parseParam(req.params, 'epoch', epochText)
    const group = await ctx.store.getGroup(groupId)
    if (!group) throw new CandorError('unknown_group', 'no such group')
    if (!group.members.includes(s.deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
    const messageId = await ctx.store.acceptedCommit(groupId, epoch)
    if (!messageId) {
      throw new CandorError('not_found', `no commit is recorded for epoch ${epoch}; the group is at epoch ${group.epoch}`, { details: { epoch: group.epoch } })
    }
    return { groupId, epoch, messageId }
  })
}
