// The person's recovery key, seen from one of their devices (docs/protocol.md §4.2): setting it
// up (a secret they write down, shown once; its public half published in their directory entry
// by a statement this device signs), backing up the history under it, and — from a fresh device
// with nothing but the secret — getting back in: the recovery key approves the new device, the
// backup is restored, and the old devices can be revoked.
import {
  CandorError,
  RECOVERY_APPROVER,
  approvalStatement,
  recoveryKeyStatement,
  toBase64Url,
  type RecoveryKeyResponse,
} from '@candor/protocol'
import { newRecoverySecret, parseRecoverySecret, recoveryKeyPair, signDetached, type DeviceKeyPair } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { DeviceDirectory } from './directory.ts'
import type { HistoryArchives, ImportedHistory, OnHistoryProgress } from './history-archives.ts'
import type { Identity } from './identity.ts'

export interface AccountRecoveryDeps {
  api: ApiClient
  identity: Identity
  directory: DeviceDirectory
  history: HistoryArchives
}

/** The recovery key this secret gives `userId`; `bad_request` for a mistyped secret, before anything is sent. */
export function recoveryKeyFrom(secret: string, userId: string): DeviceKeyPair {
  return recoveryKeyPair(parseRecoverySecret(secret), userId)
}

/** The recovery key's signature approving the device with this public key (approver `recovery`). */
export function recoveryApproval(recovery: DeviceKeyPair, userId: string, devicePublicKey: Uint8Array): string {
  return toBase64Url(signDetached(recovery.secretKey, approvalStatement(RECOVERY_APPROVER, userId, toBase64Url(devicePublicKey))))
}

export class AccountRecovery {
  readonly #d: AccountRecoveryDeps

  constructor(deps: AccountRecoveryDeps) {
    this.#d = deps
  }

  /** The person's recovery key as their own directory entry proves it and their history check accepts; null if none. */
  async current(): Promise<Uint8Array | null> {
    const { directory, identity } = this.#d
    const key = (await directory.entry(identity.userId, true)).recovery
    if (!key) return null
    const unknown = await directory.unknownOwnDevices(identity.userId)
    if (unknown.some((u) => u.deviceId === RECOVERY_APPROVER && u.publicKey === toBase64Url(key))) {
      throw new CandorError('directory_proof_invalid', 'the recovery key in your directory entry was not set by one of your devices')
    }
    return key
  }

  /**
   * Makes a new recovery secret and sets its key as the person's (replacing the one they had);
   * returns the secret, to show once. Nothing keeps it: the person writes it down.
   */
  async setUp(): Promise<{ secret: string; publicKey: string; replaced: boolean }> {
    const { api, identity } = this.#d
    const previous = await this.current()
    const secret = newRecoverySecret()
    const key = recoveryKeyFrom(secret, identity.userId)
    const publicKey = toBase64Url(key.publicKey)
    const prev = previous ? toBase64Url(previous) : null
    const statement = recoveryKeyStatement(identity.userId, identity.deviceId, publicKey, prev)
    await api.authedJson<RecoveryKeyResponse>('PUT', '/v1/recovery-key', {
      publicKey,
      previous: prev,
      signature: toBase64Url(signDetached(identity.secretKey, statement)),
      proof: toBase64Url(signDetached(key.secretKey, statement)),
    })
    this.#d.directory.forget(identity.userId)
    return { secret, publicKey, replaced: previous !== null }
  }

  /** Seals this device's history to the person's recovery key and uploads it (replacing the last backup). */
  async backUp(onProgress?: OnHistoryProgress): Promise<{ archiveId: string; size: number; messages: number }> {
    const key = await this.current()
    if (!key) throw new CandorError('forbidden', 'set up a recovery key first (candor recovery setup)')
    const a = await this.#d.history.send(RECOVERY_APPROVER, key, null, onProgress)
    return { archiveId: a.archiveId, size: a.size, messages: a.messages }
  }

  /** Restores the person's backup with the recovery key derived from `secret`; nothing when there is none. */
  async restore(secret: string, onProgress?: OnHistoryProgress): Promise<ImportedHistory> {
    const { history, identity } = this.#d
    const key = recoveryKeyFrom(secret, identity.userId)
    const backups = (await history.list()).filter((a) => a.recipient === RECOVERY_APPROVER)
    const out: ImportedHistory = { archives: 0, conversations: [], messages: 0 }
    for (const a of backups) {
      const r = await history.import(a, key.secretKey, onProgress)
      out.archives++
      out.conversations.push(...r.conversations)
      out.messages += r.messages
    }
    return out
  }

  /** Imports the archives other devices of the person sealed to this one, then deletes them. */
  async receive(onProgress?: OnHistoryProgress): Promise<ImportedHistory> {
    const { history, identity } = this.#d
    const out: ImportedHistory = { archives: 0, conversations: [], messages: 0 }
    for (const a of (await history.list()).filter((x) => x.recipient === identity.deviceId)) {
      const r = await history.import(a, identity.secretKey, onProgress)
      await history.delete(a.archiveId)
      out.archives++
      out.conversations.push(...r.conversations)
      out.messages += r.messages
    }
    return out
  }
}
