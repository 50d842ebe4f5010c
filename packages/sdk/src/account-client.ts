// What a CandorClient does about the person's account and this device's place in it: what the key
// directory proves (own devices, safety numbers, verified identities, split-view alerts), the
// person's devices (enrolments, approvals with their history, Web Push), recovery and history
// backups, and data ownership (receipts, policy, data rights, consents, export, erasure). Each
// call delegates to a part of the client (client-parts.ts). CandorClient (client.ts) makes and
// wires those parts and adds conversations and people; it is the class to use. Its calls are
// split over two files only because one would be too long to read: together they are one class.
import { toBase64Url, type ConsentPurpose, type ConsentRecord, type DataRight, type DataRightStatus, type DataRightWithdrawn, type DataRightsResponse, type DeviceId, type DeviceInfo, type EnrolmentInfo, type PutPushSubscriptionRequest } from '@candor/protocol'
import { safetyNumber } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientParts } from './client-parts.ts'
import type { ClientEvents } from './client-types.ts'
import type { UnknownDevice } from './directory.ts'
import { Emitter } from './emitter.ts'
import type { ImportedHistory, OnHistoryProgress } from './history-archives.ts'
import type { JoinedConversations } from './rejoin-as-new-device.ts'
import type { SplitViewAlert } from './split-view-monitor.ts'
import type { AdminClient } from './data/admin-client.ts'
import type { BagFile } from './data/bag.ts'
import type { ComplianceClient } from './data/compliance-client.ts'
import type { LedgerEntry } from './data/consents.ts'
import type { DeletionReceipt } from './data/erasure.ts'
import type { ExportProgress } from './data/export-bundle.ts'
import type { VerifiedOrganisation } from './data/org-name-verify.ts'
import type { VerifiedPolicy } from './data/org-policy-verify.ts'
import type { CheckedReceipts } from './data/ownership.ts'
import type { VerifiedReceipt } from './data/receipts.ts'

export abstract class AccountClient extends Emitter<ClientEvents> {
  abstract readonly api: ApiClient
  abstract get userId(): string
  abstract get deviceId(): DeviceId
  /** The client's parts, made and wired by CandorClient (client-parts.ts). */
  protected abstract get parts(): ClientParts

  // ---- what the key directory proves (directory.ts, split-view-monitor.ts) ----

  /**
   * Monitors this user's own directory entry; every device key that none of the user's devices
   * enrolled raises an 'alert' (once per key) and is returned.
   */
  async checkOwnDevices(): Promise<UnknownDevice[]> {
    return this.parts.devices.checkUnknown()
  }

  /** Verified device keys of a user, from the key directory. */
  async verifiedDevices(userId: string): Promise<Array<{ deviceId: string; publicKey: Uint8Array }>> {
    return this.parts.directory.devices(userId, true)
  }

  /**
   * The safety number between this user and another, from both users' directory-proven device
   * keys, and the other user's organisation as the same directory proof binds it (null: a guest,
   * or an entry of no organisation). Compare the number out of band (read aloud, or scan the QR
   * payload); it changes when either user's devices change.
   */
  async safetyNumber(userId: string): Promise<{ number: string; qr: string; organisation: string | null }> {
    const [mine, theirs] = await Promise.all([this.parts.directory.entry(this.userId, true), this.parts.directory.entry(userId, true)])
    const number = safetyNumber({ userId: this.userId, keys: mine.devices.map((d) => d.publicKey) }, { userId, keys: theirs.devices.map((d) => d.publicKey) })
    const qr = `candor-safety:1:${[this.userId, userId].sort().join(':')}:${number.replace(/\s+/g, '')}`
    return { number, qr, organisation: theirs.org }
  }

  /**
   * The corporate identity the key directory binds to a user where their organisation uses
   * single sign-on — the provider's issuer, the subject and the verified email of the sign-in —
   * proven by the same lookup as their keys; null where none is bound. Show it beside the safety number.
   */
  async verifiedIdentityOf(userId: string): Promise<{ issuer: string; subject: string; email: string } | null> {
    return (await this.parts.directory.entry(userId, true)).idp
  }

  /** A user's organisation as the key directory proves it (null: a guest, or no organisation). */
  async organisationOf(userId: string): Promise<string | null> {
    return (await this.parts.directory.entry(userId, true)).org
  }

  /**
   * Every split-view alert this device raised (§2.3): a sender's device saw a key directory or
   * access log that the server could not prove is the one this device sees. Kept on the
   * device; the SDK never clears them.
   */
  async splitViewAlerts(): Promise<SplitViewAlert[]> {
    return this.parts.splitViews.alerts()
  }

  /**
   * Resolves once the split-view checks of the messages received so far have run (those
   * waiting to retry after a network error go on in the background). For short-lived
   * programs that should not exit before the checks are made.
   */
  async splitViewChecks(): Promise<void> {
    return this.parts.splitViews.settled()
  }

  // ---- devices (see own-devices.ts, device-approvals.ts) ----

  async devices(): Promise<DeviceInfo[]> {
    return (await this.api.myDevices()).devices
  }

  // ---- Web Push (docs/protocol.md, "Web Push") ----

  /** The server's VAPID public key (base64url): the `applicationServerKey` to subscribe with. */
  async pushServerKey(): Promise<string> {
    return (await this.api.vapidKey()).publicKey
  }
  /** Registers this device's push subscription (PushSubscription.toJSON()), replacing any earlier one. */
  async setPushSubscription(subscription: PutPushSubscriptionRequest): Promise<void> {
    await this.api.putPushSubscription(this.deviceId, subscription)
  }
  /** Stops wake-ups for this device. */
  async deletePushSubscription(): Promise<void> {
    await this.api.deletePushSubscription(this.deviceId)
  }

  /** Devices asking to join this user, each until it is approved, denied, replaced or expires. */
  async pendingEnrolments(): Promise<EnrolmentInfo[]> {
    return this.parts.devices.pending()
  }

  /**
   * Approves a pending device of this user and adds it to every conversation. With `history`,
   * then offers it the history this device holds (messages sent from `since` on; null: all):
   * signs the person's consent (purpose `history_transfer`), seals an archive to the new device's
   * key as the directory proves it and uploads it, reporting progress (docs/protocol.md §4.2).
   */
  async approve(deviceId: string, opts: { history?: { since: number | null }; onProgress?: OnHistoryProgress } = {}): Promise<{ transferred: number; held?: true } | void> {
    return this.parts.approvals.approve(deviceId, opts)
  }

  /**
   * The history asked for a device this device approved while the organisation held it (§4.2
   * "History for a held device"): once an admin approved it (the device is active), sends it, once;
   * a device declined meanwhile (revoked) gets nothing and the wish is dropped. Null when nothing
   * was asked for it, or it is still held, or another call is sending it.
   */
  async sendHeldHistory(deviceId: string, onProgress?: OnHistoryProgress): Promise<{ transferred: number } | null> {
    return this.parts.approvals.sendHeld(deviceId, onProgress)
  }

  /** At each sync: the history of held devices an admin approved (or declined) while this device was away. */
  async sendHeldHistories(): Promise<void> {
    return this.parts.approvals.sendAllHeld()
  }

  /**
   * Joins every conversation of the person this device is not in, each by an external commit that
   * takes the place of an old device of theirs that is no longer active (docs/protocol.md §5.2):
   * after a recovery, once the old devices are revoked. Failures are listed, not thrown.
   */
  async rejoinConversations(): Promise<JoinedConversations> {
    return this.parts.newDeviceJoins.joinAll()
  }

  /** Denies a pending enrolment of this user (signed by this device): the request is gone. */
  async deny(deviceId: string): Promise<void> {
    return this.parts.devices.deny(deviceId)
  }

  /** Revokes one of this user's devices and removes it from every conversation by a commit. */
  async revoke(deviceId: string): Promise<void> {
    return this.parts.devices.revoke(deviceId)
  }

  // ---- recovery and history (see account-recovery.ts, history-archives.ts) ----

  /** Makes a recovery secret and publishes its key in the person's directory entry; returns the secret, to show once. */
  async setUpRecovery(): Promise<{ secret: string; publicKey: string; replaced: boolean }> {
    return this.parts.accountRecovery.setUp()
  }

  /** The person's recovery key as the directory proves it (base64url), null if none is set. */
  async recoveryKey(): Promise<string | null> {
    const key = await this.parts.accountRecovery.current()
    return key ? toBase64Url(key) : null
  }

  /** Seals this device's history to the recovery key and uploads it: the backup (the server holds ciphertext only). */
  async backUpHistory(onProgress?: OnHistoryProgress): Promise<{ archiveId: string; size: number; messages: number }> {
    return this.parts.accountRecovery.backUp(onProgress)
  }

  /** Restores the backup with the recovery secret: its records join this device's history, marked transferred. */
  async restoreBackup(secret: string, onProgress?: OnHistoryProgress): Promise<ImportedHistory> {
    return this.parts.accountRecovery.restore(secret, onProgress)
  }

  /** Imports the history another device of the person sent this one when approving it. */
  async receiveHistory(onProgress?: OnHistoryProgress): Promise<ImportedHistory> {
    return this.parts.accountRecovery.receive(onProgress)
  }

  /** Conversations with history that came in an archive (some may have no group on this device). */
  async transferredConversations(): Promise<Array<{ id: string; members: string[] }>> {
    const ids = await this.parts.conversations.importedConversations()
    return Promise.all(ids.map(async (id) => ({ id, members: await this.parts.conversations.importedMembers(id) })))
  }

  // ---- data ownership (see data/ownership.ts, data/archives.ts) ----

  /**
   * Records the access log's latest checkpoint (verified, consistent with the last one seen).
   * Call it now and then: a receipt revealed later then proves it was logged by that time.
   */
  async observeAccessLog(): Promise<{ size: number }> {
    return this.parts.data.observeAccessLog()
  }

  /**
   * This person's access receipts readable now, each proven in the signed access log. Receipts
   * their key-directory entry commits to that the server did not hand over raise a
   * `receipt_withheld` alert (see checkedReceipts).
   */
  accessReceipts(): Promise<VerifiedReceipt[]> {
    return this.parts.data.accessReceipts()
  }

  /** The receipts as accessReceipts() checks them, and what was withheld (null when nothing was). */
  checkedReceipts(): Promise<CheckedReceipts> {
    return this.parts.data.checkedReceipts()
  }

  /**
   * The policy of this person's organisation ("What applies here?"): which version, since when,
   * and its fields, checked against the pinned access-log key (signature and audit-log proof);
   * `policy_invalid` when a check fails — then it must not be shown or applied.
   */
  policy(): Promise<VerifiedPolicy> {
    return this.parts.data.policy()
  }

  /**
   * This person's organisation and its name as its creation was logged, checked against the
   * pinned access-log key (`name` null when the log does not begin with it: show the id);
   * `policy_invalid` when a check fails.
   */
  organisation(): Promise<VerifiedOrganisation> {
    return this.parts.data.organisation()
  }

  /** The admin API, used with this device's own key (the server checks admin rights on every call). */
  get admin(): AdminClient {
    return this.parts.data.admin()
  }

  /** Compliance: the archive key ceremony, k-of-n unlocks, exports' audit entries, legal holds (docs/compliance.md). */
  get compliance(): ComplianceClient {
    return this.parts.data.compliance()
  }

  /**
   * Erases this account everywhere: leaves every conversation (the others remove its devices
   * by commits), has the server delete everything it holds and tombstone the key-directory
   * entry, checks the signed and logged deletion receipt, and wipes this device's keys and
   * conversation states, keeping only the receipt (under DELETION_RECEIPT_KEY).
   */
  async deleteAccount(): Promise<DeletionReceipt> {
    return this.parts.data.deleteAccount()
  }

  /** Whether this person's organisation lets them export or erase at will or after an admin's approval (its policy's dataRights), and where their requests stand. */
  dataRights(): Promise<DataRightsResponse> {
    return this.parts.data.dataRights()
  }

  /** Asks the organisation's admins to approve an export or an erasure; exportData/deleteAccount then go ahead once approved. */
  requestDataRight(right: DataRight): Promise<DataRightStatus> {
    return this.parts.data.requestDataRight(right)
  }

  /** Withdraws one's own pending data-rights request (it ends, never approved or used); anyone else's id is `not_found`. */
  withdrawDataRight(id: string): Promise<DataRightWithdrawn> {
    return this.parts.data.withdrawDataRight(id)
  }

  /** Gives or withdraws a consent: a record signed by this device, added to the person's ledger. */
  consent(purpose: ConsentPurpose, scope: string, state: 'given' | 'withdrawn'): Promise<ConsentRecord> {
    return this.parts.data.consent(purpose, scope, state)
  }

  /** The person's whole consent ledger, every record's signature checked against their device keys. */
  async consentLedger(): Promise<LedgerEntry[]> {
    return this.parts.data.consentLedger()
  }

  /**
   * Every conversation this device is in that has a compliance archive as a member, with this
   * person's own consent to it (scope = the conversation id): given, withdrawn, or none.
   */
  async archiveConsents(ledger?: readonly LedgerEntry[]): Promise<Array<{ conversation: string; archives: string[]; consent: 'given' | 'withdrawn' | 'none' }>> {
    return this.parts.archives.consents(ledger ?? (await this.consentLedger()))
  }

  /** Builds this person's signed export (a BagIt-style file list); see data/export-bundle.ts. */
  async exportData(onProgress?: ExportProgress): Promise<BagFile[]> {
    return this.parts.data.exportData(onProgress)
  }
}
