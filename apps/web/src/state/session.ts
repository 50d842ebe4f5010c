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

export async function registerDevice(store: IndexedDbLocalStore, userId: string, deviceName: string, sso?: SsoReturn): Promise<CandorClient> {
  return CandorClient.register(browserClientOptions(store), userId, deviceName, sso?.org, sso?.ticket)
}

export async function enrolDevice(store: IndexedDbLocalStore, userId: string, deviceName: string, ssoTicket?: string): Promise<CandorClient> {
  return CandorClient.enrol(browserClientOptions(store), userId, deviceName, ssoTicket)
}

/** Gets back into an account with the recovery secret: this browser becomes a new device, the backup is restored, the old devices are revoked. */
export async function recoverDevice(store: IndexedDbLocalStore, userId: string, secret: string, deviceName: string): Promise<CandorClient> {
  return (await CandorClient.recover(browserClientOptions(store), userId, secret, deviceName, { revokeOthers: true })).client
}

/** A finished sign-in at an organisation's identity provider, as the server's callback hands it back in the URL fragment. */
export interface SsoReturn {
  ticket: string
  userId: string
  org: string
  registered: boolean
}

/** Where "Sign in with your organisation" goes: the server starts the flow and sends the browser back here. */
export function ssoStartUrl(org: string): string {
  return `${location.origin}/v1/orgs/${encodeURIComponent(org)}/sso/start?redirect=${encodeURIComponent(location.pathname)}`
}

/** The sign-in the callback left in the fragment, once: the fragment is cleared (it holds a ticket). */
export function takeSsoReturn(): SsoReturn | null {
  if (!location.hash.startsWith('#ssoTicket=')) return null
  const p = new URLSearchParams(location.hash.slice(1))
  history.replaceState(null, '', location.pathname + location.search)
  const ticket = p.get('ssoTicket')
  const userId = p.get('userId')
  const org = p.get('org')
  if (!ticket || !userId || !org) return null
  return { ticket, userId, org, registered: p.get('registered') === 'true' }
}

/** Forgets the device in this browser; the page reloads to a clean start. */
export async function eraseThisBrowser(store: IndexedDbLocalStore): Promise<void> {
  store.close()
  await IndexedDbLocalStore.erase()
  location.hash = ''
  location.reload()
}
