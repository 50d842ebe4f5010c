// Cached delivery rosters (which devices a group's messages fan out to). The store is the
// truth; the cache is dropped for a group whenever any node changes its roster.
import type { DeviceId, GroupId } from '@candor/protocol'
import type { Bus, Store } from '../store/index.ts'

export class GroupRoster {
  readonly #cache = new Map<GroupId, Promise<ReadonlySet<DeviceId> | null>>()
  readonly #store: Store
  readonly #bus: Bus

  constructor(store: Store, bus: Bus) {
    this.#store = store
    this.#bus = bus
    bus.onGroupChanged((g) => this.#cache.delete(g))
  }

  members(groupId: GroupId): Promise<ReadonlySet<DeviceId> | null> {
    let p = this.#cache.get(groupId)
    if (!p) {
      if (this.#cache.size > 50_000) this.#cache.clear()
      p = this.#store.getGroup(groupId).then((g) => (g ? new Set(g.members) : null))
      this.#cache.set(groupId, p)
      p.catch(() => this.#cache.delete(groupId))
    }
    return p
  }

  changed(groupId: GroupId): void {
    this.#cache.delete(groupId)
    this.#bus.publishGroupChanged(groupId)
  }
}
