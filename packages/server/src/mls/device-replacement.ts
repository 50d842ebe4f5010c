// Who may join a group by an external commit (docs/protocol.md §5.2). A device on the group's
// roster may resync: its commit removes its own old leaf. A device of a member that is not on
// the roster — a device the person recovered with the recovery key, whose old devices are gone —
// may take the place of one of the person's old leaves: its commit removes exactly one leaf,
// of the same user, whose device is not active (revoked, erased, unknown). A stranger has no
// leaf of their own user to replace; another active device of the person is never pushed out
// (it adds the new device by an ordinary commit, or the person revokes it first).
import type { ValidatedCommit } from '@candor/crypto'
import { CandorError, type DeviceId, type UserId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'

export interface Joiner {
  userId: UserId
  deviceId: DeviceId
}

/** Throws unless the validated external commit is a resync (on the roster) or a replacement of a non-active leaf of the joiner's own user. */
export async function checkExternalJoin(ctx: AppContext, v: ValidatedCommit, joiner: Joiner, onRoster: boolean): Promise<void> {
  if (onRoster) {
    if (!v.removed.some((l) => l.deviceId === joiner.deviceId)) {
      throw new CandorError('forbidden', "an external commit must remove this device's own old leaf (a resync)")
    }
    return
  }
  const [old, ...more] = v.removed
  if (!old || more.length > 0 || old.userId !== joiner.userId || old.deviceId === joiner.deviceId) {
    throw new CandorError('not_member', 'this device is not a member of the group, and its commit does not take the place of an old device of its own')
  }
  const dev = await ctx.store.getDevice(old.deviceId as DeviceId)
  if (dev && dev.status === 'active' && dev.userId === old.userId) {
    throw new CandorError('forbidden', `${old.deviceId} is an active device of yours: add this device from it, or revoke it first`)
  }
}
