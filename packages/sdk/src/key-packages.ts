// This device's KeyPackages: generated here, private halves kept in the local store, public
// halves uploaded; topped up whenever the server's stock runs low. One stock per cipher suite
// (docs/protocol.md §4.5, §5.0): the post-quantum suite for new conversations, suite 1 for the
// conversations that are in it.
import { DEFAULT_SUITE, SUITES, suiteId, newKeyPackage, type DeviceKeys, type MlsSuites, type StoredKeyPackage, type SuiteName } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { LocalStore } from './local-store.ts'

const PREFIX = 'kp/'
export const KEY_PACKAGE_TARGET = 30
const LOW_WATER = 10

export class KeyPackages {
  readonly #store: LocalStore
  readonly #api: ApiClient
  readonly #suites: MlsSuites
  readonly #me: DeviceKeys
  #toppingUp: Promise<void> | undefined

  constructor(store: LocalStore, api: ApiClient, suites: MlsSuites, me: DeviceKeys) {
    this.#store = store
    this.#api = api
    this.#suites = suites
    this.#me = me
  }

  async generate(n: number, lastResort: boolean, suite: SuiteName = DEFAULT_SUITE): Promise<StoredKeyPackage[]> {
    const out: StoredKeyPackage[] = []
    for (let i = 0; i < n; i++) {
      const kp = await newKeyPackage(this.#suites[suite], this.#me, lastResort)
      await this.#store.put(PREFIX + kp.ref, JSON.stringify(kp))
      out.push(kp)
    }
    return out
  }

  /** Uploads a first stock and the last-resort package of each suite (after registration or approval). */
  async publishInitial(): Promise<void> {
    for (const suite of SUITES) {
      const oneTime = await this.generate(KEY_PACKAGE_TARGET, false, suite)
      const [last] = await this.generate(1, true, suite)
      await this.#api.uploadKeyPackages(
        oneTime.map((k) => k.publicPackage),
        last!.publicPackage,
        suiteId(suite),
      )
    }
  }

  /** Tops up every suite's stock that runs low (a device of an older version has only suite 1's: this adds the rest). */
  topUp(): Promise<void> {
    this.#toppingUp ??= (async () => {
      for (const suite of SUITES) {
        const id = suiteId(suite)
        const count = await this.#api.keyPackageCount(id)
        if (count.oneTime < LOW_WATER) {
          const fresh = await this.generate(KEY_PACKAGE_TARGET - count.oneTime, false, suite)
          const last = count.lastResort ? undefined : (await this.generate(1, true, suite))[0]!.publicPackage
          await this.#api.uploadKeyPackages(
            fresh.map((k) => k.publicPackage),
            last,
            id,
          )
        }
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
