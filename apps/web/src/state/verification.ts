// Which contacts this device has verified (compared safety numbers with), remembered locally
// with the exact keys that were verified, and whether those keys have changed since.
import type { CandorClient, LocalStore } from '@candor/sdk'
import { provenKeys, sameKeys, type KeySet } from './contact-keys.ts'
import { Observable } from './observable.ts'

export type TrustState = 'unverified' | 'verified' | 'changed'

interface VerifiedRecord {
  userId: string
  keys: string[]
  verifiedAt: number
}

const PREFIX = 'web/verified/'

export class Verification extends Observable {
  readonly #client: CandorClient
  readonly #store: LocalStore
  readonly #verified = new Map<string, VerifiedRecord>()
  readonly #changed = new Set<string>()

  constructor(client: CandorClient, store: LocalStore) {
    super()
    this.#client = client
    this.#store = store
  }

  async load(): Promise<void> {
    for (const key of await this.#store.keys(PREFIX)) {
      const raw = await this.#store.get(key)
      if (raw) {
        const r = JSON.parse(raw) as VerifiedRecord
        this.#verified.set(r.userId, r)
      }
    }
  }

  state(userId: string): TrustState {
    if (!this.#verified.has(userId)) return 'unverified'
    return this.#changed.has(userId) ? 'changed' : 'verified'
  }

  verifiedAt(userId: string): number | undefined {
    return this.#verified.get(userId)?.verifiedAt
  }

  /** Contacts verified earlier whose keys are no longer the ones verified. */
  changedContacts(): string[] {
    return [...this.#changed].sort()
  }

  /** Fetches the contacts' current keys and compares them with what was verified. */
  async check(userIds: readonly string[]): Promise<void> {
    let moved = false
    for (const u of userIds) {
      const r = this.#verified.get(u)
      if (!r) continue
      const now = await provenKeys(this.#client, u)
      const changed = !sameKeys(now.keys, r.keys)
      if (changed !== this.#changed.has(u)) {
        moved = true
        if (changed) this.#changed.add(u)
        else this.#changed.delete(u)
      }
    }
    if (moved) this.changed()
  }

  async markVerified(keys: KeySet): Promise<void> {
    const r: VerifiedRecord = { userId: keys.userId, keys: [...keys.keys], verifiedAt: Date.now() }
    await this.#store.put(PREFIX + keys.userId, JSON.stringify(r))
    this.#verified.set(r.userId, r)
    this.#changed.delete(r.userId)
    this.changed()
  }

  async clear(userId: string): Promise<void> {
    await this.#store.delete(PREFIX + userId)
    this.#verified.delete(userId)
    this.#changed.delete(userId)
    this.changed()
  }
}
