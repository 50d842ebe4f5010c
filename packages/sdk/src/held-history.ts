// The history a person asked to send to a new device that their organisation's policy held for an
// admin's approval (devices.adminApproval; docs/protocol.md §4.2 "History for a held device").
// While held the device cannot sign in and is in no directory entry, so nothing can be sealed to
// it: the approving device keeps the wish here (persisted, `held-history/<deviceId>`), and sends
// the history once an admin approved the device — when the server's `device_approved` notice
// comes, or at the next sync if this device was away then. A device that was declined (revoked)
// gets nothing and the wish is dropped.
import type { LocalStore } from './local-store.ts'

const PREFIX = 'held-history/'

export interface HeldHistoryWish {
  deviceId: string
  /** Messages sent from then on (null: all of them). */
  since: number | null
  askedAt: number
}

export class HeldHistory {
  readonly #store: LocalStore

  constructor(store: LocalStore) {
    this.#store = store
  }

  async remember(deviceId: string, since: number | null, now = Date.now()): Promise<void> {
    const wish: HeldHistoryWish = { deviceId, since, askedAt: now }
    await this.#store.put(PREFIX + deviceId, JSON.stringify(wish))
  }

  async wish(deviceId: string): Promise<HeldHistoryWish | null> {
    const raw = await this.#store.get(PREFIX + deviceId)
    if (raw === undefined) return null
    const w = JSON.parse(raw) as Partial<HeldHistoryWish>
    return { deviceId, since: typeof w.since === 'number' ? w.since : null, askedAt: typeof w.askedAt === 'number' ? w.askedAt : 0 }
  }

  async all(): Promise<HeldHistoryWish[]> {
    const keys = await this.#store.keys(PREFIX)
    const out: HeldHistoryWish[] = []
    for (const k of keys) {
      const w = await this.wish(k.slice(PREFIX.length))
      if (w) out.push(w)
    }
    return out
  }

  async forget(deviceId: string): Promise<void> {
    await this.#store.delete(PREFIX + deviceId)
  }
}
