// This person's own devices as seen from one of them: approving a new one (and adding it to
// every conversation) or denying it, revoking one (and removing it by commits), and alerting on
// a device key in their directory entry that none of their devices enrolled.
import { CandorError, approvalStatement, denialStatement, toBase64Url, type EnrolmentInfo } from '@candor/protocol'
import { leaves, signDetached } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { DeviceDirectory, UnknownDevice } from './directory.ts'
import type { GroupChanges } from './group-changes.ts'
import type { Identity } from './identity.ts'

export interface OwnDevicesDeps {
  api: ApiClient
  identity: Identity
  directory: DeviceDirectory
  conversations: Conversations
  groups: GroupChanges
  /** Signs and records the person's consent to a device (scope = its id), or its withdrawal. */
  consent(deviceId: string, state: 'given' | 'withdrawn'): Promise<unknown>
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export class OwnDevices {
  readonly #d: OwnDevicesDeps
  /** Unknown device keys already alerted on, so each raises one alert. */
  readonly #alerted = new Set<string>()

  constructor(deps: OwnDevicesDeps) {
    this.#d = deps
  }

  async pending(): Promise<EnrolmentInfo[]> {
    return (await this.#d.api.pendingEnrolments()).requests
  }

  /** Turns a pending enrolment down, signed by this device; the request is gone. */
  async deny(deviceId: string): Promise<void> {
    const { api, identity } = this.#d
    const pending = (await this.pending()).find((d) => d.deviceId === deviceId)
    if (!pending) throw new CandorError('not_found', 'no pending enrolment with this id')
    await api.denyEnrolment(deviceId, toBase64Url(signDetached(identity.secretKey, denialStatement(identity.userId, pending.publicKey))))
  }

  /** Approves a pending enrolment; 'held' when the organisation's policy holds it for an admin (it joins the conversations then). */
  async approve(deviceId: string): Promise<'active' | 'held'> {
    const { api, identity } = this.#d
    const pending = (await this.pending()).find((d) => d.deviceId === deviceId)
    if (!pending) throw new CandorError('not_found', 'no pending enrolment with this id')
    // The person's consent to the new device is part of approving it, signed before it takes effect.
    await this.#d.consent(deviceId, 'given')
    const signature = toBase64Url(signDetached(identity.secretKey, approvalStatement(identity.deviceId, identity.userId, pending.publicKey)))
    const approved = await api.approveEnrolment(deviceId, signature)
    // Held by the organisation's policy (devices.adminApproval): it joins the conversations once
    // an admin approves it too (the notice device_approved: addToConversations).
    if (approved.status === 'pending') {
      this.#d.emit('held_device', { deviceId })
      return 'held'
    }
    await this.addToConversations(deviceId)
    return 'active'
  }

  /** A device of this person as the server lists it: active, pending (held) or revoked; null when unknown. */
  async status(deviceId: string): Promise<'active' | 'pending' | 'revoked' | null> {
    const d = (await this.#d.api.myDevices()).devices.find((x) => x.deviceId === deviceId)
    return d ? d.status : null
  }

  /** Adds a newly active device of this person to every active conversation (waiting for its key packages). */
  async addToConversations(deviceId: string): Promise<void> {
    const { identity, directory, conversations, groups } = this.#d
    directory.forget(identity.userId)
    const deadline = Date.now() + 30_000
    for (const c of conversations.list()) {
      if (c.meta.status !== 'active') continue
      // The new device publishes its key packages once it sees the approval.
      for (;;) {
        try {
          await groups.addDevices(c.meta.id, identity.userId, [deviceId])
          break
        } catch (e) {
          if (!(e instanceof CandorError) || e.code !== 'no_key_package' || Date.now() > deadline) throw e
          await new Promise((r) => setTimeout(r, 300))
        }
      }
    }
  }

  async revoke(deviceId: string): Promise<void> {
    const { identity, directory } = this.#d
    // Signed first: once this device is revoked it can no longer add to the ledger.
    await this.#d.consent(deviceId, 'withdrawn')
    await this.#d.api.revokeDevice(deviceId)
    directory.forget(identity.userId)
    for (const c of this.#d.conversations.list()) {
      if (c.meta.status !== 'active' || deviceId === identity.deviceId) continue
      if (leaves(c.state).some((l) => l.deviceId === deviceId)) {
        await this.#d.groups.commit(c.meta.id, async () => ({ add: [], removeDevices: [deviceId] }))
      }
    }
  }

  async checkUnknown(): Promise<UnknownDevice[]> {
    const unknown = await this.#d.directory.unknownOwnDevices(this.#d.identity.userId)
    for (const u of unknown) {
      if (this.#alerted.has(u.publicKey)) continue
      this.#alerted.add(u.publicKey)
      this.#d.emit('alert', { kind: 'unknown_device', ...u })
    }
    return unknown
  }
}
