// Approving a new device of this person with the history this device holds (docs/protocol.md
// §4.2): the person's consent is signed, the history sealed to the new device's key as the
// directory proves it, and uploaded. Where the organisation's policy holds the device for an
// admin's approval, the wish is kept (held-history.ts) and the history sent once an admin
// approved it — when the server says so, or at the next sync.
import { CandorError } from '@candor/protocol'
import type { ClientEvents } from './client-types.ts'
import type { DeviceDirectory } from './directory.ts'
import type { HeldHistory } from './held-history.ts'
import type { HistoryArchives, OnHistoryProgress } from './history-archives.ts'
import type { OwnDevices } from './own-devices.ts'

export interface DeviceApprovalsDeps {
  devices: OwnDevices
  directory: DeviceDirectory
  history: HistoryArchives
  held: HeldHistory
  userId: string
  /** Signs the person's consent to sending their history (purpose `history_transfer`) for this scope. */
  consent(scope: string): Promise<unknown>
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export class DeviceApprovals {
  readonly #d: DeviceApprovalsDeps
  /** Held devices whose history is being sent now (the notice and a sync may both ask). */
  readonly #sendingHeld = new Set<string>()

  constructor(deps: DeviceApprovalsDeps) {
    this.#d = deps
  }

  /** Approves a pending device of this user, then sends it the history asked for; see CandorClient.approve. */
  async approve(deviceId: string, opts: { history?: { since: number | null }; onProgress?: OnHistoryProgress }): Promise<{ transferred: number; held?: true } | void> {
    // Held by the organisation's policy (devices.adminApproval): nothing can be sealed to it yet (it
    // is in no directory entry); the wish is kept and the history sent once an admin approves it.
    if ((await this.#d.devices.approve(deviceId)) === 'held') {
      if (opts.history) await this.#d.held.remember(deviceId, opts.history.since)
      return { transferred: 0, held: true }
    }
    if (!opts.history) return
    return { transferred: await this.#sendHistory(deviceId, opts.history.since, opts.onProgress) }
  }

  /** Signs the person's consent, seals this device's history to the new device's key as the directory proves it, uploads it (§4.2). */
  async #sendHistory(deviceId: string, since: number | null, onProgress?: OnHistoryProgress): Promise<number> {
    await this.#d.consent(`${deviceId} since ${since === null ? 'the start' : new Date(since).toISOString()}`)
    this.#d.directory.forget(this.#d.userId)
    const key = await this.#d.directory.keyOf(this.#d.userId, deviceId)
    if (!key) throw new CandorError('directory_proof_invalid', 'the key directory does not prove the new device; no history was sent')
    const sent = await this.#d.history.send(deviceId, key, since, onProgress)
    return sent.messages
  }

  /** The history asked for a device held by the organisation, once an admin approved it; see CandorClient.sendHeldHistory. */
  async sendHeld(deviceId: string, onProgress?: OnHistoryProgress): Promise<{ transferred: number } | null> {
    const wish = await this.#d.held.wish(deviceId)
    if (!wish || this.#sendingHeld.has(deviceId)) return null
    this.#sendingHeld.add(deviceId)
    try {
      const status = (await this.#d.devices.status(deviceId)) ?? 'revoked'
      if (status === 'revoked') {
        await this.#d.held.forget(deviceId)
        return null
      }
      if (status !== 'active') return null
      const transferred = await this.#sendHistory(deviceId, wish.since, onProgress)
      await this.#d.held.forget(deviceId)
      this.#d.emit('held_history_sent', { deviceId, transferred })
      return { transferred }
    } finally {
      this.#sendingHeld.delete(deviceId)
    }
  }

  /** At each sync: the history of held devices an admin approved (or declined) while this device was away. */
  async sendAllHeld(): Promise<void> {
    for (const w of await this.#d.held.all()) {
      try {
        await this.sendHeld(w.deviceId)
      } catch (error) {
        this.#d.emit('error', { where: 'sending history to a device an admin approved', error })
      }
    }
  }
}
