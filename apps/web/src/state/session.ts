// Opening this browser's device: the sealed IndexedDB store, then the SDK client kept in it
// (or none yet). Only the leading tab opens the client (tabs/tab-election.ts), so two tabs
// never race on MLS state; the others follow it (tabs/remote-client.ts).
import { CandorClient } from '@candor/sdk'
import { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'
import { browserClientOptions } from './client-options.ts'
import { announceErasure } from '../tabs/erasure.ts'

export interface Session {
  store: IndexedDbLocalStore
  client: CandorClient | null
}

/** The leading tab's session (it holds the device lock). */
export async function openSession(): Promise<Session> {
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
  // The other tabs let go of the database first (tabs/erasure.ts), or the delete would wait for them.
  announceErasure()
  store.close()
  await IndexedDbLocalStore.erase()
  location.hash = ''
  location.reload()
}
