// Cached delivery rosters (which devices a group's messages fan out to). The store is the
// truth; the cache is dropped for a group whenever any node changes its roster, and entries
// also expire after a few seconds, so a lost bus notice cannot leave a node routing stale.
// With the members comes who reset the group, if it was (docs/protocol.md §5.4): a reset group
// takes application messages from its resetter only (the announcement for those left out).
import type { DeviceId, GroupId } from '@candor/protocol'
import type { Bus, Store } from '@candor/ports'

const TTL_MS = 5_000
const MAX_ENTRIES = 50_000

export interface GroupRosterEntry {
  members: ReadonlySet<DeviceId>
  /** The device that reset this group onto a new one; null while it is the conversation's current group. */
  resetBy: DeviceId | null
}

type Roster = GroupRosterEntry | null

interface Entry {
  at: number
  members: Promise<Roster>
  /** Set once the lookup completed, so the per-message path needs no promise. */
  settled?: { members: Roster }
}

export class GroupRoster {
  readonly #cache = new Map<GroupId, Entry>()
  readonly #store: Store
  readonly #bus: Bus

  constructor(store: Store, bus: Bus) {
    this.#store = store
    this.#bus = bus
    bus.onGroupChanged((g) => this.#cache.delete(g))
  }

  /** The roster if it is cached and its lookup has completed; undefined means "ask members()". */
  cached(groupId: GroupId): Roster | undefined {
    const hit = this.#cache.get(groupId)
    if (hit?.settled && Date.now() - hit.at < TTL_MS) return hit.settled.members
    return undefined
  }

  members(groupId: GroupId): Promise<Roster> {
    const now = Date.now()
    const hit = this.#cache.get(groupId)
    if (hit && now - hit.at < TTL_MS) return hit.members
    if (this.#cache.size > MAX_ENTRIES) this.#cache.clear()
    const lookup = Promise.all([this.#store.getGroup(groupId), this.#store.groupResets(groupId)]).then(([g, r]): Roster =>
      g ? { members: new Set(g.members), resetBy: r.to?.resetBy ?? null } : null,
    )
    const entry: Entry = { at: now, members: lookup }
    this.#cache.set(groupId, entry)
    entry.members.then(
      (members) => {
        entry.settled = { members }
      },
      () => {
        if (this.#cache.get(groupId) === entry) this.#cache.delete(groupId)
      },
    )
    return entry.members
  }

  changed(groupId: GroupId): void {
    this.#cache.delete(groupId)
    this.#bus.publishGroupChanged(groupId)
  }
}
