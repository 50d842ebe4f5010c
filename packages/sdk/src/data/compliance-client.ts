// Compliance from an officer's (or owner's) own device (docs/compliance.md): the key ceremony
// (every officer's device key checked in the key directory before a share is sealed to it), the
// published archive key (its signer's key checked in the directory), unlock requests whose
// ephemeral secret stays in this device's local store, approvals (this device opens its own
// share and re-seals it to the request), opening (every approval's signature checked against
// the approver's directory-proven key, then k shares combined), the export's audit entry, and
// legal holds — including, for anyone, "a legal hold applies to this conversation" — and the
// organisation's erasure notices, checked against the pinned access-log key.
import {
  CandorError,
  archiveKeyResponseSchema,
  exportLogResponseSchema,
  fromBase64Url,
  legalHoldInfoSchema,
  legalHoldListSchema,
  myLegalHoldsSchema,
  officerDevicesResponseSchema,
  orgAuditResponse,
  ownShareResponseSchema,
  toBase64Url,
  unlockInfoSchema,
  unlockListSchema,
  unlockOpenedSchema,
  type ArchiveKeyResponse,
  type LegalHoldInfo,
  type MyLegalHolds,
  type UnlockInfo,
} from '@candor/protocol'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  approveUnlock,
  keyCeremony,
  keyRecordBytes,
  splitArchiveKey,
  newX25519KeyPair,
  openUnlock,
  verifyApproval,
  verifyErasures,
  type ErasurePage,
  type ArchiveKeyRecord,
  type UnlockApproval,
  type UnlockRequestBody,
  type UnlockScope,
} from '@candor/compliance'
import type { Identity } from '../identity.ts'
import type { LocalStore } from '../local-store.ts'
import type { DeviceDirectory } from '../directory.ts'
import type { DataApi } from './data-api.ts'

const EPHEMERAL = (org: string, id: string) => `compliance/unlock/${org}/${id}`
const fail = (m: string) => new CandorError('forbidden', m)

export interface OpenedCase {
  request: UnlockRequestBody & { id: string; org: string }
  record: ArchiveKeyRecord
  /** The archive private key: keep it in memory only, for this case's export, then wipe it. */
  archivePrivateKey: Uint8Array
  receipts: number
  auditIndex: number
}

export class ComplianceClient {
  readonly #api: DataApi
  readonly #identity: Identity
  readonly #store: LocalStore
  readonly #directory: DeviceDirectory
  readonly #accessLogKey: () => Promise<string>

  /** `accessLogKey`: the access-log key this device pinned, which signs organisations' audit trails and erasure notices. */
  constructor(api: DataApi, identity: Identity, store: LocalStore, directory: DeviceDirectory, accessLogKey: () => Promise<string>) {
    this.#api = api
    this.#identity = identity
    this.#store = store
    this.#directory = directory
    this.#accessLogKey = accessLogKey
  }

  #base(org: string): string {
    return `/v1/orgs/${encodeURIComponent(org)}/compliance`
  }

  /** The key directory's key of a device, or a refusal naming it (the server's word is not enough). */
  async #provenKey(user: string, device: string): Promise<Uint8Array> {
    const key = await this.#directory.keyOf(user, device)
    if (!key) throw fail(`the key directory proves no device ${device} of ${user}`)
    return key
  }

  /** The officers' devices, each key checked against the key directory. */
  async #officers(org: string) {
    const { officers } = await this.#api.call(officerDevicesResponseSchema, 'GET', `${this.#base(org)}/officers`)
    const devices = []
    for (const o of officers) {
      const proven = await this.#provenKey(o.user, o.device)
      if (toBase64Url(proven) !== o.publicKey) throw fail(`the server's key for ${o.user}'s device ${o.device} is not the one the key directory proves`)
      devices.push({ user: o.user, device: o.device, publicKey: proven })
    }
    return devices
  }

  /** Splits `privateKey` (a fresh one when absent) k-of-n among the officers' devices as the next version, signs and uploads it. */
  async #split(org: string, k: number, privateKey?: Uint8Array): Promise<ArchiveKeyRecord> {
    const devices = await this.#officers(org)
    const latest = await this.archiveKey(org).then((r) => r.record.version, (e: unknown) => (e instanceof CandorError && e.code === 'not_found' ? 0 : Promise.reject(e)))
    let made
    try {
      made = privateKey ? await splitArchiveKey(org, latest + 1, k, devices, privateKey, Date.now()) : await keyCeremony(org, latest + 1, k, devices, Date.now())
    } catch (e) {
      throw new CandorError('bad_request', e instanceof Error ? e.message : String(e))
    }
    const { record, shares, archivePrivateKey } = made
    archivePrivateKey.fill(0)
    const signature = toBase64Url(ed25519.sign(keyRecordBytes(record), this.#identity.secretKey))
    await this.#api.call(archiveKeyResponseSchema, 'PUT', `${this.#base(org)}/keys`, { body: { record, signature, shares } })
    return record
  }

  /** Runs the key ceremony: a fresh archive key split k-of-n among the officers' devices (the next version). */
  keyCeremony(org: string, k: number): Promise<ArchiveKeyRecord> {
    return this.#split(org, k)
  }

  /** Splits an existing archive private key (e.g. `candor archive keygen`'s) among the officers; wipe the source after. */
  splitExistingKey(org: string, k: number, privateKey: Uint8Array): Promise<ArchiveKeyRecord> {
    return this.#split(org, k, privateKey)
  }

  /** Files a re-split (an officer left, or k or n change): k officers approve it like a case, but it reads no one's messages. */
  requestResplit(org: string, c: { why: string; case: string }): Promise<UnlockInfo> {
    return this.requestUnlock(org, { purpose: 'resplit', scope: { conversations: [], people: [], from: 0, to: 0 }, ...c })
  }

  /** Opens an approved re-split and splits the same key anew among today's officers; the server voids the earlier shares. */
  async resplit(org: string, id: string, k: number): Promise<ArchiveKeyRecord> {
    const opened = await this.open(org, id)
    try {
      if (opened.request.purpose !== 'resplit') throw fail('that request is a case, not a re-split')
      return await this.#split(org, k, opened.archivePrivateKey)
    } finally {
      opened.archivePrivateKey.fill(0)
    }
  }

  /** The organisation's published archive key record (latest, or a version), its signature checked against the signer's proven key. */
  async archiveKey(org: string, version?: number): Promise<ArchiveKeyResponse> {
    const r = await this.#api.call(archiveKeyResponseSchema, 'GET', `${this.#base(org)}/keys${version ? `?version=${version}` : ''}`)
    const key = await this.#provenKey(r.signedBy.user, r.signedBy.device)
    if (!ed25519.verify(fromBase64Url(r.signature)!, keyRecordBytes(r.record as ArchiveKeyRecord), key)) throw fail('the archive key record’s signature does not verify with its signer’s proven key')
    if (r.record.org !== org) throw fail('the archive key record is of another organisation')
    return r
  }

  /** Files a case; the request's ephemeral secret stays in this device's store. */
  async requestUnlock(org: string, c: { purpose?: 'case' | 'resplit'; scope: UnlockScope; why: string; case: string; delayUntil?: number }): Promise<UnlockInfo> {
    const eph = newX25519KeyPair()
    const body = { ...c, ephemeralKey: toBase64Url(eph.publicKey) }
    const info = await this.#api.call(unlockInfoSchema, 'POST', `${this.#base(org)}/unlocks`, { body })
    await this.#store.put(EPHEMERAL(org, info.id), toBase64Url(eph.secretKey))
    return info
  }

  unlocks(org: string): Promise<{ unlocks: UnlockInfo[] }> {
    return this.#api.call(unlockListSchema, 'GET', `${this.#base(org)}/unlocks`)
  }

  unlock(org: string, id: string): Promise<UnlockInfo> {
    return this.#api.call(unlockInfoSchema, 'GET', `${this.#base(org)}/unlocks/${encodeURIComponent(id)}`)
  }

  /** Approves a case from this device: opens its own share and re-seals it to the request's key, signed. */
  async approve(org: string, id: string): Promise<UnlockInfo> {
    const info = await this.unlock(org, id)
    const request = JSON.parse(info.request) as UnlockRequestBody & { org: string; id: string }
    if (request.org !== org || request.id !== id) throw fail('the request text is of another case')
    const share = await this.#api.call(ownShareResponseSchema, 'GET', `${this.#base(org)}/keys/share?version=${request.keyVersion}`)
    const { approval, signature } = await approveUnlock({
      org, requestId: id, requestText: info.request, request, ownShare: share, deviceSecretKey: this.#identity.secretKey,
      user: this.#identity.userId, device: this.#identity.deviceId, at: Date.now(),
    })
    return this.#api.call(unlockInfoSchema, 'POST', `${this.#base(org)}/unlocks/${encodeURIComponent(id)}/approvals`, { body: { approval, signature } })
  }

  /** Opens a case this device filed: receipts go out first (server), then k re-sealed shares are combined here. */
  async open(org: string, id: string): Promise<OpenedCase> {
    const secretText = await this.#store.get(EPHEMERAL(org, id))
    const secret = secretText ? fromBase64Url(secretText) : null
    if (!secret) throw fail('this device did not file that request (its key is not here)')
    const info = await this.unlock(org, id)
    const request = JSON.parse(info.request) as OpenedCase['request']
    const key = await this.archiveKey(org, request.keyVersion)
    const opened = await this.#api.call(unlockOpenedSchema, 'POST', `${this.#base(org)}/unlocks/${encodeURIComponent(id)}/open`)
    const approvals: UnlockApproval[] = []
    for (const a of opened.approvals) {
      const ap = a.approval as UnlockApproval
      if (!key.record.officers.some((o) => o.device === ap.device && o.user === ap.user)) throw fail(`an approval is from ${ap.device}, which holds no share of this key`)
      if (!verifyApproval(ap, a.signature, await this.#provenKey(ap.user, ap.device))) throw fail(`the approval of ${ap.user} does not verify with their device's proven key`)
      approvals.push(ap)
    }
    const archivePrivateKey = await openUnlock(key.record as ArchiveKeyRecord, id, secret, approvals)
    await this.#store.delete(EPHEMERAL(org, id))
    return { request, record: key.record as ArchiveKeyRecord, archivePrivateKey, receipts: opened.receipts, auditIndex: opened.auditIndex }
  }

  /** Logs an export's manifest signature in the audit trail; returns the entry with its proof (audit-entry.json). */
  logExport(org: string, id: string, e: { signature: string; manifestSha256: string; exportKey: string }) {
    return this.#api.call(exportLogResponseSchema, 'POST', `${this.#base(org)}/unlocks/${encodeURIComponent(id)}/export`, { body: e })
  }

  placeHold(org: string, target: string, c: { case: string; until?: number; delayUntil?: number }): Promise<LegalHoldInfo> {
    return this.#api.call(legalHoldInfoSchema, 'POST', `${this.#base(org)}/holds`, { body: { target, ...c } })
  }

  releaseHold(org: string, id: string): Promise<LegalHoldInfo> {
    return this.#api.call(legalHoldInfoSchema, 'POST', `${this.#base(org)}/holds/${encodeURIComponent(id)}/release`)
  }

  holds(org: string, released = false): Promise<{ holds: LegalHoldInfo[] }> {
    return this.#api.call(legalHoldListSchema, 'GET', `${this.#base(org)}/holds${released ? '?released=1' : ''}`)
  }

  /**
   * The organisation's erasure notices from audit index `from` (its archive, officers and
   * auditors read them), checked against the pinned access-log key (`verifyErasures`): the
   * accepted ones, the refused ones with why, and where to ask from next.
   */
  async erasures(org: string, from: number): Promise<ErasurePage> {
    const page = await this.#api.call(orgAuditResponse, 'GET', `${this.#base(org)}/erasures?from=${from}`)
    return verifyErasures(page, org, await this.#accessLogKey(), from)
  }

  /** The legal holds that apply to this person (on them, or on a conversation they are in). */
  myHolds(): Promise<MyLegalHolds> {
    return this.#api.call(myLegalHoldsSchema, 'GET', '/v1/legal-holds')
  }

  /** "A legal hold applies to this conversation": the holds on it or on this person, or none. */
  async holdsOnConversation(groupId: string): Promise<MyLegalHolds['holds']> {
    return (await this.myHolds()).holds.filter((h) => h.target === `conversation:${groupId}` || h.target === `user:${this.#identity.userId}`)
  }
}
