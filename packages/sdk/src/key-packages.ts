// This device's KeyPackages: generated here, private halves kept in the local store, public
// halves uploaded; topped up whenever the server's stock runs low.
import { newKeyPackage, type DeviceKeys, type MlsSuite, type StoredKeyPackage } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { LocalStore } from './local-store.ts'

const PREFIX = 'kp/'
export const KEY_PACKAGE_TARGET = 30
const LOW_WATER = 10

export class KeyPackages {
  readonly #store: LocalStore
  readonly #api: ApiClient
  readonly #suite: MlsSuite
  readonly #me: DeviceKeys
  #toppingUp: Promise<void> | undefined

  constructor(store: LocalStore, api: ApiClient, suite: MlsSuite, me: DeviceKeys) {
    this.#store = store
    this.#api = api
    this.#suite = suite
    this.#me = me
  }

  async generate(n: number, lastResort: boolean): Promise<StoredKeyPackage[]> {
    const out: StoredKeyPackage[] = []
    for (let i = 0; i < n; i++) {
      const kp = await newKeyPackage(this.#suite, this.#me, lastResort)
      await this.#store.put(PREFIX + kp.ref, JSON.stringify(kp))
      out.push(kp)
    }
    return out
  }

  /** Uploads a first stock and the last-resort package (after registration or approval). */
  async publishInitial(): Promise<void> {
    const oneTime = await this.generate(KEY_PACKAGE_TARGET, false)
    const [last] = await this.generate(1, true)
    await this.#api.uploadKeyPackages(
      oneTime.map((k) => k.publicPackage),
      last!.publicPackage,
    )
  }

  topUp(): Promise<void> {
    this.#toppingUp ??= (async () => {
      const count = await this.#api.keyPackageCount()
      if (count.oneTime < LOW_WATER) {
        const fresh = await this.generate(KEY_PACKAGE_TARGET - count.oneTime, false)
        const last = count.lastResort ? undefined : (await this.generate(1, true))[0]!.publicPackage
        await this.#api.uploadKeyPackages(
          fresh.map((k) => k.publicPackage),
          last,
        )
      }
    })().finally(() => (this.#toppingUp = undefined))
    return this.#toppingUp
  }

  async find(ref: string): Promise<StoredKeyPackage | undefined> {
    const raw = await this.#store.get(PREFIX + ref)
    return raw ? (JSON.parse(raw) as StoredKeyPackage) : undefined
  }

  /** A one-time package's private keys are deleted once used; the last-resort one stays. */
  async consumed(kp: StoredKeyPackage): Promise<void> {
    if (!kp.lastResort) await this.#store.delete(PREFIX + kp.ref)
  }
}
