// A group made before the server validated commits has no public state there: the server
// refuses its commits (`conflict`, details.publicState `missing`) and asks for a reset
// (docs/protocol.md §5.4 "A group without public state"). The member whose commit met that
// answer resets the conversation leaving nobody out — the new group's GroupInfo is validated
// from its first commit on — and the timeline says who reset it and why. A member that loses
// the race to another's reset waits for its Welcome to the new group instead.
import { CandorError } from '@candor/protocol'

export const UNVALIDATED_RESET_REASON = 'the server held no public state of this conversation (made before it checked changes)'

export interface UnvalidatedResetDeps {
  /** Resets the group (recovery.ts): the new group's id. */
  reset(groupId: string, leaveOut: readonly string[], reason: string): Promise<string>
  /** The group that replaced this one, once this device is in it (messaging.ts); throws `refused` when none comes. */
  movedFrom(groupId: string, refused: CandorError): Promise<string>
}

export function unvalidatedReset(d: UnvalidatedResetDeps): (groupId: string) => Promise<string> {
  return async (groupId) => {
    try {
      return await d.reset(groupId, [], UNVALIDATED_RESET_REASON)
    } catch (e) {
      // Another member reset it first (§5.4: a group is reset at most once).
      if (e instanceof CandorError && e.code === 'conflict' && typeof e.details?.['groupId'] === 'string') return d.movedFrom(groupId, e)
      throw e
    }
  }
}
