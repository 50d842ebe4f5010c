// What a person can see and do about the data held on them, from their own device: the access
// log and their receipts, the admin API, consents, their export and erasing their account.
// CandorClient delegates its data-ownership methods here.
import type { MlsSuite } from '@candor/crypto'
import {
  CandorError,
  orgPolicyResponse,
  ownOrganisationResponse,
  accessLogInfoSchema,
  accessReceiptsResponseSchema,
  accountExportSchema,
  dataRightStatusSchema,
  dataRightWithdrawnSchema,
  dataRightsResponse,
  type ConsentPurpose,
  type ConsentRecord,
  type DataRight,
  type DataRightStatus,
  type DataRightWithdrawn,
  type DataRightsResponse,
} from '@candor/protocol'
import type { ApiClient } from '../api-client.ts'
import type { ClientEvents } from '../client-types.ts'
import type { Conversations } from '../conversations.ts'
import type { DeviceDirectory } from '../directory.ts'
import { ComplianceClient } from './compliance-client.ts'
import type { Identity } from '../identity.ts'
import type { LocalStore } from '../local-store.ts'
import { AccessLogTracker } from './access-log-tracker.ts'
import { AdminClient } from './admin-client.ts'
import { verifyPolicyAndCheckpoint, type VerifiedPolicy } from './org-policy-verify.ts'
import { verifyOrganisation, type VerifiedOrganisation } from './org-name-verify.ts'
import { OrgAuditMemory } from './org-audit-memory.ts'
import type { BagFile } from './bag.ts'
import { readLedger, recordConsent, type LedgerEntry } from './consents.ts'
import type { DataApi } from './data-api.ts'
import { DELETION_RECEIPT_KEY, requestErasure, type DeletionReceipt } from './erasure.ts'
import { buildExport, type ExportProgress, type ExportSource } from './export-bundle.ts'
import { fetchReceipts, type VerifiedReceipt } from './receipts.ts'
import { findWithheld, type WithheldReceipts } from './withheld-receipts.ts'

/** What erasure and export need of the client itself: its conversations, history and devices, and how it leaves and closes. */
export interface OwnDevice {
  conversations(): ExportSource['conversations']
  history(conversation: string): Promise<unknown[]>
  devices(): Promise<unknown>
  leave(conversation: string): Promise<void>
  close(): void
}

export interface DataOwnershipDeps {
  api: ApiClient
  data: DataApi
  store: LocalStore
  /** The access log's verifier key given up front (see ClientOptions.accessLogKey). */
  accessLogKey: string | undefined
  identity: Identity
  suite: MlsSuite
  directory: DeviceDirectory
  conversations: Conversations
  client: OwnDevice
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

/** This person's receipts, and whether the server kept any that their directory entry commits to. */
export interface CheckedReceipts {
  receipts: VerifiedReceipt[]
  withheld: WithheldReceipts | null
}

export class DataOwnership {
  readonly #d: DataOwnershipDeps
  #tracker: AccessLogTracker | undefined
  #auditMemory: OrgAuditMemory | undefined
  /** Withheld-receipt findings already alerted on, so each raises one alert. */
  readonly #alerted = new Set<string>()

  constructor(deps: DataOwnershipDeps) {
    this.#d = deps
  }

  /** One tracker per client, made on first use: it pins the log key and remembers the checkpoints seen. */
  get #accessLog(): AccessLogTracker {
    this.#tracker ??= new AccessLogTracker(this.#d.data, this.#d.store, Date.now, this.#d.accessLogKey)
    return this.#tracker
  }

  /** The tracker itself: messages carry its latest checkpoint for split-view checks (§2.3). */
  accessLogTracker(): AccessLogTracker {
    return this.#accessLog
  }

  async observeAccessLog(): Promise<{ size: number }> {
    const cp = await this.#accessLog.refresh()
    return { size: cp.size }
  }

  async accessReceipts(): Promise<VerifiedReceipt[]> {
    return (await this.checkedReceipts()).receipts
  }

  /**
   * Fetches and checks the receipts, then checks them against the receipt commitment of every
   * version of this person's own directory entry; receipts kept from them raise a
   * `receipt_withheld` alert. The entry is read first: whatever it commits to was tallied
   * before the receipts are fetched, so it must be among them.
   */
  async checkedReceipts(): Promise<CheckedReceipts> {
    const { directory, identity } = this.#d
    const versions = await directory.ownReceiptCommitments(identity.userId)
    const fetched = await fetchReceipts(this.#d.data, this.#accessLog, identity, this.#d.suite)
    const withheld = findWithheld(fetched.salt, fetched.handed, versions)
    if (withheld && !this.#alerted.has(withheld.reason)) {
      this.#alerted.add(withheld.reason)
      this.#d.emit('alert', { kind: 'receipt_withheld', ...withheld })
    }
    return { receipts: fetched.receipts, withheld }
  }

  /** The policy of this person's organisation, checked (signature and audit-log proof) against the pinned key. */
  async policy(): Promise<VerifiedPolicy> {
    const res = await this.#d.data.call(orgPolicyResponse, 'GET', '/v1/policy')
    const { policy, checkpoint } = verifyPolicyAndCheckpoint(res, await this.#accessLog.pinnedKey())
    // The audit trail's checkpoint must extend the last one this device saw (§4.8).
    if (checkpoint) {
      this.#auditMemory ??= new OrgAuditMemory(this.#d.data, this.#d.store, (a) => this.#d.emit('alert', a))
      await this.#auditMemory.check(policy.org, checkpoint)
    }
    return policy
  }

  /** This person's organisation and its name, checked (the `org.create` entry's proof) against the pinned key. */
  async organisation(): Promise<VerifiedOrganisation> {
    const res = await this.#d.data.call(ownOrganisationResponse, 'GET', '/v1/organisation')
    return verifyOrganisation(res, await this.#accessLog.pinnedKey())
  }

  admin(): AdminClient {
    return new AdminClient(this.#d.data, () => this.#accessLog.pinnedKey())
  }

  compliance(): ComplianceClient {
    return new ComplianceClient(this.#d.data, this.#d.identity, this.#d.store, this.#d.directory, () => this.#accessLog.pinnedKey())
  }

  /** Whether the person's organisation lets them export or erase at will, or after an admin's approval — and where their requests stand. */
  dataRights(): Promise<DataRightsResponse> {
    return this.#d.data.call(dataRightsResponse, 'GET', '/v1/account/data-rights')
  }

  /** Asks the organisation's admins to approve an export or erasure (where its policy says so); idempotent. */
  requestDataRight(right: DataRight): Promise<DataRightStatus> {
    return this.#d.data.call(dataRightStatusSchema, 'POST', '/v1/account/data-rights', { body: { right } })
  }

  /** Withdraws the person's own pending request: `not_found` for anyone else's, `conflict` once it is no longer pending. */
  withdrawDataRight(id: string): Promise<DataRightWithdrawn> {
    return this.#d.data.call(dataRightWithdrawnSchema, 'POST', `/v1/account/data-rights/${encodeURIComponent(id)}/withdraw`, { body: {} })
  }

  /** Refuses, before anything is done, an export or erasure that still waits for an admin's approval. */
  async #mayUse(right: DataRight): Promise<void> {
    const st = (await this.dataRights()).rights.find((r) => r.right === right)
    if (!st || st.state === 'allowed' || st.state === 'approved') return
    const what = right === 'export' ? 'an export of your account' : 'erasing your account'
    throw new CandorError('forbidden', `your organisation's policy puts ${what} under an admin's approval: ${st.state === 'pending' ? 'your request is waiting for it' : 'request it first (requestDataRight)'}`, {
      details: { approvalRequired: true, dataRight: right, pending: st.state === 'pending' },
    })
  }

  async deleteAccount(): Promise<DeletionReceipt> {
    const { client, store } = this.#d
    // Nothing is left or wiped while the organisation's approval is still missing.
    await this.#mayUse('deletion')
    for (const c of client.conversations()) if (c.status === 'active') await client.leave(c.id)
    const receipt = await requestErasure(this.#d.data, this.#accessLog, this.#d.identity)
    client.close()
    await this.#d.conversations.wipeHistory()
    for (const key of await store.keys('')) await store.delete(key)
    await store.put(DELETION_RECEIPT_KEY, JSON.stringify(receipt))
    return receipt
  }

  consent(purpose: ConsentPurpose, scope: string, state: 'given' | 'withdrawn'): Promise<ConsentRecord> {
    return recordConsent(this.#d.data, this.#d.identity, purpose, scope, state)
  }

  async consentLedger(): Promise<LedgerEntry[]> {
    // Keys from this person's proven key-directory history (revoked devices included), not
    // the server's device list: a device the server made up cannot sign a record here.
    const keys = await this.#d.directory.enrolledOwnKeys(this.#d.identity.userId)
    return readLedger(this.#d.data, this.#d.identity, keys)
  }

  async exportData(onProgress?: ExportProgress): Promise<BagFile[]> {
    await this.#mayUse('export')
    const { api, data, identity, client } = this.#d
    const accessLog = this.#accessLog
    return buildExport(
      {
        userId: identity.userId,
        deviceId: identity.deviceId,
        publicKey: identity.publicKey,
        secretKey: identity.secretKey,
        server: api.baseUrl,
        conversations: client.conversations(),
        history: (id) => client.history(id),
        devices: () => client.devices(),
        directory: async () => ({ info: await api.directoryInfo(), history: await api.directoryHistory() }),
        receipts: async () => ({
          verified: await this.accessReceipts(),
          log: { verifierKey: (await data.call(accessLogInfoSchema, 'GET', '/v1/access-log', { signedIn: false })).verifierKey, seen: await accessLog.seen() },
          proofs: await data.call(accessReceiptsResponseSchema, 'GET', '/v1/access-receipts'),
        }),
        consents: async () => (await this.consentLedger()).map((e) => ({ seq: e.seq, record: e.text, signature: e.signature })),
        serverHeld: () => data.call(accountExportSchema, 'GET', '/v1/account/export'),
      },
      onProgress,
    )
  }
}
