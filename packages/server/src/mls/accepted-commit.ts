// Storing a validated commit and fanning it out (docs/protocol.md §5.1). The delivery roster
// follows the validated tree, never lists a client declares: devices of the old roster that are
// no longer leaves leave it, the added leaves (and an external committer) join it; a device
// that is a leaf but left the roster (POST …/leave, or revoked — revocation removes it from
// every roster at once) stays out. The commit goes to the old roster but its sender, the
// removed included (so they learn it); the Welcome to the added devices.
import type { ValidatedCommit } from '@candor/crypto'
import { CandorError, LIMITS, type CommitResponse, type DeviceId, type GroupId, type MessageId } from '@candor/protocol'
import type { GroupRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { proposeRemovalsLater } from './external-removals.ts'

export interface CommitToStore {
  groupId: GroupId
  /** The group as read before validation (its roster and epoch). */
  group: GroupRecord
  sender: DeviceId
  messageId: MessageId
  commit: Uint8Array
  welcome: Uint8Array | undefined
  groupInfo: Uint8Array
}

/** The devices a validated commit adds (the Welcome's recipients), in leaf order. */
export function addedDevices(v: ValidatedCommit): DeviceId[] {
  return v.added.map((l) => l.deviceId as DeviceId)
}

export async function acceptValidatedCommit(ctx: AppContext, v: ValidatedCommit, c: CommitToStore): Promise<CommitResponse> {
  const inTree = new Set<string>(v.members.map((l) => l.deviceId))
  const before = new Set<DeviceId>(c.group.members)
  const removed = c.group.members.filter((d) => !inTree.has(d))
  const joining = [...addedDevices(v), ...(v.external ? [v.committer.deviceId as DeviceId] : [])].filter((d) => !before.has(d))
  if (before.size - removed.length + joining.length > LIMITS.groupMembers) {
    throw new CandorError('forbidden', `a group has at most ${LIMITS.groupMembers} devices`)
  }
  const added = addedDevices(v)
  if (added.length > 0 && !c.welcome) throw new CandorError('bad_request', 'welcome: a commit that adds devices needs a welcome')
  if (added.length === 0 && c.welcome) throw new CandorError('bad_request', 'welcome: the commit adds nobody')
  const sentAt = Date.now()
  // Consent to be contacted (contacts/contact-gate.ts, docs/protocol.md §5.5): a stranger's
  // devices are held under a request (off the roster, their welcome kept) until they accept. An
  // external commit adds only its own committer (a resync) and passes no gate.
  const gate = v.external
    ? undefined
    : await ctx.contacts.membersAdded(c.groupId, c.sender, added, c.welcome && { messageId: c.messageId, sentAt, payload: c.welcome })
  const delivered = new Set<DeviceId>(gate ? gate.delivered : added)
  const notDelivered = new Set<DeviceId>(added.filter((d) => !delivered.has(d)))
  let r
  try {
    r = await ctx.store.acceptCommit({
      groupId: c.groupId,
      epoch: v.epoch,
      sender: c.sender,
      messageId: c.messageId,
      sentAt,
      commit: c.commit,
      welcome: c.welcome,
      added: joining.filter((d) => !notDelivered.has(d)),
      removed,
      groupInfo: c.groupInfo,
    })
  } catch (e) {
    await gate?.abandon()
    throw e
  }
  if (!r.accepted) {
    await gate?.abandon()
    throw new CandorError('stale_epoch', `the group is at epoch ${r.epoch}`, { details: { epoch: r.epoch } })
  }
  await gate?.committed({ messageId: c.messageId, groupId: c.groupId, sender: c.sender, kind: 1, sentAt, payload: c.commit })
  ctx.roster.changed(c.groupId)
  const welcomed = new Set<DeviceId>(added)
  const frames = []
  for (const d of r.deliveries) {
    const kind = welcomed.has(d.deviceId) && c.welcome ? 2 : 1
    const payload = kind === 2 ? c.welcome! : c.commit
    frames.push(...ctx.delivery.fanOut({ messageId: c.messageId, groupId: c.groupId, sender: c.sender, kind, sentAt, payload }, [d]))
  }
  ctx.delivery.publish(frames)
  // A gone person's leaf still in the tree (the commit did not take the server's proposal, or
  // they went meanwhile) is proposed again at the new epoch (§5.7).
  proposeRemovalsLater(ctx, ctx.mlsSender, [c.groupId], v.group)
  return { epoch: r.epoch, sentAt }
}
