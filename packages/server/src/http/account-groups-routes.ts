// The groups a person is in, for a device of theirs that holds none of them — a device recovered
// with the recovery key, whose old devices were revoked (docs/protocol.md §5.2): the groups on
// whose roster an active device of theirs is, and those a device of theirs left by its
// revocation whose tree still has a leaf of theirs; only the current group of each conversation
// (one replaced by a reset is left out). Only the person's own active devices ask.
import type { FastifyInstance } from 'fastify'
import type { AccountGroupsResponse, GroupId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { hasLeafOf } from '../mls/public-handshakes.ts'

export function accountGroupsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/account/groups', async (req): Promise<AccountGroupsResponse> => {
    const s = await authenticate(ctx, req)
    const ids = new Set<GroupId>()
    for (const d of await ctx.store.listDevices(s.userId)) {
      if (d.status !== 'active') continue
      for (const g of await ctx.store.listGroups(d.deviceId)) ids.add(g.groupId)
    }
    for (const g of await ctx.store.formerGroups(s.userId)) {
      if (!ids.has(g) && (await hasLeafOf(ctx, g, s.userId))) ids.add(g)
    }
    const groups: AccountGroupsResponse['groups'] = []
    for (const groupId of [...ids].sort()) {
      const group = await ctx.store.getGroup(groupId)
      if (!group) continue
      const { from, to } = await ctx.store.groupResets(groupId)
      if (to) continue
      groups.push({ groupId, conversationId: from?.conversationId ?? groupId, epoch: group.epoch })
    }
    return { groups }
  })
}
