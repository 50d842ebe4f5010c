// Opening this browser's device: the sealed IndexedDB store, then the SDK client kept in it
// (or none yet). One tab at a time drives the device, so two tabs never race on MLS state.
import { CandorClient } from '@candor/sdk'
import { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'
import { browserClientOptions } from './client-options.ts'

export interface Session {
  store: IndexedDbLocalStore
  client: CandorClient | null
}

export class OtherTabError extends Error {
  constructor() {
    super('Candor is open in another tab of this browser. Close it there to use it here.')
  }
}

/**
 * Resolves once this tab holds the device lock (held until the tab closes). Waits a little,
 * since on a reload the old page may not have let go yet.
 */
function holdDeviceLock(waitMs = 5_000): Promise<void> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  if (!locks) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const controller = new AbortController()
    const timer = setTimeout(() => {
      controller.abort()
      reject(new OtherTabError())
    }, waitMs)
    locks
      .request('candor-device', { signal: controller.signal }, () => {
        clearTimeout(timer)
        resolve()
        return new Promise<never>(() => {})
      })
      .catch(() => undefined)
  })
}

export async function openSession(): Promise<Session> {
  await holdDeviceLock()
  const store = await IndexedDbLocalStore.open()
  const client = await CandorClient.open(browserClientOptions(store))
  return { store, client }
}

export async function registerDevice(store: IndexedDbLocalStore, userId: string, deviceName: string): Promise<CandorClient> {
  return CandorClient.register(browserClientOptions(store), userId, deviceName)
}

export async function enrolDevice(store: IndexedDbLocalStore, userId: string, deviceName: string): Promise<CandorClient> {
  return CandorClient.enrol(browserClientOptions(store), userId, deviceName)
}

/** Forgets the device in this browser; the page reloads to a clean start. */
export async function eraseThisBrowser(store: IndexedDbLocalStore): Promise<void> {
  store.close()
  await IndexedDbLocalStore.erase()
  location.hash = ''
  location.reload()
}
