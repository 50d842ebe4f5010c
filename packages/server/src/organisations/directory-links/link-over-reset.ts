// A directory-linked conversation keeps its link when it is reset (docs/protocol.md §5.4, §5.9):
// the link moves from the group the reset replaced to the new one, written to the organisation's
// audit trail first (`directory.link`, actor the person who reset it, reason `reset`). Members then
// read the link of the group they use now, and the next change of the SCIM group reaches it.
import type { GroupId, UserId } from '@candor/protocol'
import type { AppContext } from '../../app-context.ts'

export async function carryLinkOverReset(ctx: AppContext, previousGroup: GroupId, groupId: GroupId, resetBy: UserId): Promise<void> {
  const link = await ctx.store.directoryLinkOf(previousGroup)
  if (!link) return
  await ctx.audit.record(link.org, { kind: 'person', userId: resetBy }, 'directory.link', `group:${groupId}`, {
    scimGroupId: link.scimGroupId,
    reason: 'reset',
    previousGroup,
  })
  if ((await ctx.store.setDirectoryLink({ ...link, groupId })) !== 'linked') return // its SCIM group went meanwhile: nothing to follow
  await ctx.store.deleteDirectoryLink(link.org, previousGroup)
}
