// The MLS groups one conversation went through by resets (docs/protocol.md §5.4), as the store's
// reset records link them: a contact request carried over by a reset is one request to the person
// (§5.5) — listed once (the newest), and settled together.
import type { GroupId } from '@candor/protocol'
import type { Store } from '@candor/ports'

/** Resets followed at most, either way (a reset is rate-limited per member; this bounds a lookup). */
const MAX_LINKS = 32

/** The groups `groupId` replaced (oldest first) and those that replaced it (in order). */
export async function resetChain(store: Store, groupId: GroupId): Promise<{ before: GroupId[]; after: GroupId[] }> {
  const before: GroupId[] = []
  const after: GroupId[] = []
  let g = groupId
  for (let i = 0; i < MAX_LINKS; i++) {
    const from = (await store.groupResets(g)).from
    if (!from) break
    g = from.previousGroup
    before.unshift(g)
  }
  g = groupId
  for (let i = 0; i < MAX_LINKS; i++) {
    const to = (await store.groupResets(g)).to
    if (!to) break
    g = to.groupId
    after.push(g)
  }
  return { before, after }
}
