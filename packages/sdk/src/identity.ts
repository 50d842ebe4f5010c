// The device's own identity: its Ed25519 key pair and who it belongs to, kept in the local store.
import {
  CandorError,
  deviceIdFromKey,
  enrolmentStatement,
  fromBase64Url,
  registrationStatement,
  toBase64Url,
  type DeviceId,
} from '@candor/protocol'
import { generateDeviceKey, signDetached, type DeviceKeys } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { LocalStore } from './local-store.ts'

export interface Identity extends DeviceKeys {
  deviceId: DeviceId
  deviceName: string
  status: 'active' | 'pending'
}

interface StoredIdentity {
  userId: string
  deviceId: string
  deviceName: string
  publicKey: string
  secretKey: string
  status: 'active' | 'pending'
}

const KEY = 'identity'

export async function loadIdentity(store: LocalStore): Promise<Identity | null> {
  const raw = await store.get(KEY)
  if (!raw) return null
  const s = JSON.parse(raw) as StoredIdentity
  const publicKey = fromBase64Url(s.publicKey)
  const secretKey = fromBase64Url(s.secretKey)
  if (!publicKey || !secretKey) throw new CandorError('internal', 'stored identity is corrupt')
  return { userId: s.userId, deviceId: s.deviceId as DeviceId, deviceName: s.deviceName, publicKey, secretKey, status: s.status }
}

export async function saveIdentity(store: LocalStore, id: Identity): Promise<void> {
  const s: StoredIdentity = {
    userId: id.userId,
    deviceId: id.deviceId,
    deviceName: id.deviceName,
    publicKey: toBase64Url(id.publicKey),
    secretKey: toBase64Url(id.secretKey),
    status: id.status,
  }
  await store.put(KEY, JSON.stringify(s))
}

/** Forgets the device kept in the store (a recovery that failed leaves the home empty, to try again). */
export async function forgetIdentity(store: LocalStore): Promise<void> {
  await store.delete(KEY)
}

/** Creates a key and asks the server to register it as a new user's first device. */
export async function registerIdentity(api: ApiClient, userId: string, deviceName: string, org?: string, ssoTicket?: string): Promise<Identity> {
  const { publicKey, secretKey } = generateDeviceKey()
  const pk = toBase64Url(publicKey)
  const signature = toBase64Url(signDetached(secretKey, registrationStatement(userId, pk)))
  await api.register({ userId, publicKey: pk, deviceName, signature, ...(org !== undefined ? { org } : {}), ...(ssoTicket !== undefined ? { ssoTicket } : {}) })
  return { userId, deviceId: deviceIdFromKey(publicKey), deviceName, publicKey, secretKey, status: 'active' }
}

/** Creates a key for a further device of an existing user; it waits for approval. */
export async function requestEnrolment(api: ApiClient, userId: string, deviceName: string, ssoTicket?: string): Promise<Identity> {
  const { publicKey, secretKey } = generateDeviceKey()
  const pk = toBase64Url(publicKey)
  const signature = toBase64Url(signDetached(secretKey, enrolmentStatement(userId, pk, deviceName)))
  await api.requestEnrolment({ userId, publicKey: pk, deviceName, signature, ...(ssoTicket !== undefined ? { ssoTicket } : {}) })
  return { userId, deviceId: deviceIdFromKey(publicKey), deviceName, publicKey, secretKey, status: 'pending' }
}
