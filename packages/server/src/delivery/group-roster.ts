// Cached delivery rosters (which devices a group's messages fan out to). The store is the
// truth; the cache is dropped for a group whenever any node changes its roster, and entries
// also expire after a few seconds, so a lost bus notice cannot leave a node routing stale.
import type { DeviceId, GroupId } from '@candor/protocol'
import type { Bus, Store } from '../store/index.ts'

const TTL_MS = 5_000

export class GroupRoster {
  readonly #cache = new Map<GroupId, { at: number; members: Promise<ReadonlySet<DeviceId> | null> }>()
  readonly #store: Store
  readonly #bus: Bus

  constructor(store: Store, bus: Bus) {
    this.#store = store
    this.#bus = bus
    bus.onGroupChanged((g) => this.#cache.delete(g))
  }

  members(groupId: GroupId): Promise<ReadonlySet<DeviceId> | null> {
    const now = Date.now()
    const hit = this.#cache.get(groupId)
    if (hit && now - hit.at < TTL_MS) return hit.members
    if (this.#cache.size > 50_000) this.#cache.clear()
    const members = this.#store.getGroup(groupId).then((g) => (g ? new Set(g.members) : null))
    this.#cache.set(groupId, { at: now, members })
    members.catch(() => this.#cache.delete(groupId))
    return members
  }

  changed(groupId: GroupId): void {
    this.#cache.delete(groupId)
    this.#bus.publishGroupChanged(groupId)
  }
}
