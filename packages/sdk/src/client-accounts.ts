// How a CandorClient comes to be (what its static methods did inline): registering a user and
// its first device, asking to add a further device, opening the device a store holds, signing in
// at an organisation's identity provider by the device flow, and recovering an account with
// nothing but the recovery secret.
import type { JoinedConversations } from './rejoin-as-new-device.ts'
import { CandorError, type SsoDeviceStartResponse, type SsoSignInResponse } from '@candor/protocol'
import { ApiClient } from './api-client.ts'
import type { CandorClient } from './client.ts'
import type { ClientOptions } from './client-types.ts'
import { forgetIdentity, loadIdentity, registerIdentity, requestEnrolment, saveIdentity, type Identity } from './identity.ts'
import { recoveryApproval, recoveryKeyFrom } from './account-recovery.ts'
import type { ImportedHistory, OnHistoryProgress } from './history-archives.ts'

/** A device's API and identity, for the client to be made from. */
export interface DeviceStart {
  api: ApiClient
  identity: Identity
}

export function httpOptions(opts: ClientOptions): { timeoutMs?: number } {
  return opts.httpTimeoutMs === undefined ? {} : { timeoutMs: opts.httpTimeoutMs }
}

/** Registers a new user and this, its first device (saved in the store); see CandorClient.register. */
export async function registerDevice(opts: ClientOptions, userId: string, deviceName: string, org?: string, ssoTicket?: string): Promise<DeviceStart> {
  if (await loadIdentity(opts.store)) throw new CandorError('conflict', 'this home already holds a device')
  const api = new ApiClient(opts.server, undefined, httpOptions(opts))
  const identity = await registerIdentity(api, userId, deviceName, org, ssoTicket)
  await saveIdentity(opts.store, identity)
  api.setDevice(identity)
  return { api, identity }
}

/** Asks to add this as a further device of an existing user (saved in the store); see CandorClient.enrol. */
export async function enrolDevice(opts: ClientOptions, userId: string, deviceName: string, ssoTicket?: string): Promise<DeviceStart> {
  if (await loadIdentity(opts.store)) throw new CandorError('conflict', 'this home already holds a device')
  const api = new ApiClient(opts.server, undefined, httpOptions(opts))
  const identity = await requestEnrolment(api, userId, deviceName, ssoTicket)
  await saveIdentity(opts.store, identity)
  api.setDevice(identity)
  return { api, identity }
}

/** The device kept in the store, or null if there is none; see CandorClient.open. */
export async function storedDevice(opts: ClientOptions): Promise<DeviceStart | null> {
  const identity = await loadIdentity(opts.store)
  if (!identity) return null
  return { api: new ApiClient(opts.server, identity, httpOptions(opts)), identity }
}

/** The device flow (RFC 8628) at an organisation's identity provider; see CandorClient.ssoDeviceSignIn. */
export async function ssoDeviceSignIn(opts: ClientOptions, org: string, show: (prompt: SsoDeviceStartResponse) => void): Promise<SsoSignInResponse> {
  const api = new ApiClient(opts.server, undefined, httpOptions(opts))
  const started = await api.ssoDeviceStart(org)
  show(started)
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.max(1, started.interval) * 1000))
    const r = await api.ssoDevicePoll(started.handle)
    if (r.status === 'signed_in') return r
    if (Date.now() > started.expiresAt + 60_000) throw new CandorError('unauthenticated', 'the device sign-in expired: start again')
  }
}

/** What recovering needs of the client class: enrolling, and a device's public key. */
export interface RecoverAccountDeps {
  enrol(opts: ClientOptions, userId: string, deviceName: string): Promise<CandorClient>
  publicKeyOf(client: CandorClient): Uint8Array
}

/** Gets back into an account with nothing but the recovery secret; see CandorClient.recover. */
export async function recoverAccount(
  deps: RecoverAccountDeps,
  opts: ClientOptions,
  userId: string,
  secret: string,
  deviceName: string,
  options: { revokeOthers?: boolean; onProgress?: OnHistoryProgress },
): Promise<{ client: CandorClient; restored: ImportedHistory; revoked: string[]; joined: JoinedConversations }> {
  const recovery = recoveryKeyFrom(secret, userId)
  const client = await deps.enrol(opts, userId, deviceName)
  try {
    await client.api.publicJson('POST', `/v1/enrolments/${client.deviceId}/recover`, {
      signature: recoveryApproval(recovery, userId, deps.publicKeyOf(client)),
    })
  } catch (e) {
    client.close()
    await forgetIdentity(opts.store)
    throw e
  }
  await client.waitForApproval(30_000)
  const restored = await client.restoreBackup(secret, options.onProgress)
  const revoked: string[] = []
  if (options.revokeOthers) {
    for (const d of await client.devices()) {
      if (d.deviceId === client.deviceId || d.status !== 'active') continue
      await client.revoke(d.deviceId)
      revoked.push(d.deviceId)
    }
  }
  // The person's conversations go on, on this device, in the place of a revoked one (§5.2).
  const joined = await client.rejoinConversations()
  return { client, restored, revoked, joined }
}
