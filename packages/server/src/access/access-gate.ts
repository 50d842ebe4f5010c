// The one gate for every access to a person's data by someone who is not a participant in it
// (an operator or organisation admin, a compliance export, a legal hold, support). It first
// seals a receipt to the subject and appends it to the access log; only once that is durable
// does it run the access. No receipt, no access: if the receipt cannot be written, the access
// never runs and the caller gets `access_log_unavailable`. A receipt the subject can read at
// once is also committed to their key-directory entry before the access runs, so the server
// cannot later keep it from them unseen; a delayed one is committed on its date (the directory
// service's sweep), not before, so the subject is not tipped off early.
import { createHmac, randomBytes } from 'node:crypto'
import {
  CandorError,
  accessReceiptSchema,
  toBase64Url,
  type AccessReceipt,
  type AccessorRole,
  type DataCategory,
  type Justification,
  type UserId,
} from '@candor/protocol'
import type { Store } from '@candor/ports'
import type { Logger } from '../logger.ts'
import type { AccessLog } from './access-log.ts'
import { sealReceipt } from './receipt-seal.ts'

export interface Accessor {
  /** The accessor's own user id; only a pseudonym of it goes into the receipt. */
  userId: UserId
  role: AccessorRole
  org: string
}

export interface AccessRequest {
  accessor: Accessor
  subject: UserId
  categories: readonly DataCategory[]
  resources: readonly string[]
  justification: Justification
  caseRef: string
  approvedBySubject?: boolean
  /** When set (a legal hold, an investigation), the subject can read the receipt from then on. */
  delayedUntil?: number
  /** How long the access lasts (a hold or an export may span a window); default: a moment. */
  windowMs?: number
}

export interface AccessGateOptions {
  /** Commits the subject's readable receipts to their key-directory entry (DirectoryService.publishReceipts). */
  publish: (subject: UserId) => Promise<void>
  now?: () => number
}

export class AccessGate {
  readonly #store: Store
  readonly #log: AccessLog
  readonly #logger: Logger
  readonly #pseudonymKey: Buffer
  readonly #publish: (subject: UserId) => Promise<void>
  readonly now: () => number

  private constructor(store: Store, log: AccessLog, logger: Logger, pseudonymKey: Buffer, opts: AccessGateOptions) {
    this.#store = store
    this.#log = log
    this.#logger = logger
    this.#pseudonymKey = pseudonymKey
    this.#publish = opts.publish
    this.now = opts.now ?? Date.now
  }

  /**
   * `pseudonymKey` comes from the server's key file. Its base64url text is the HMAC key, as it
   * was when the key lived in the database, so an accessor's pseudonym stays the same.
   */
  static open(store: Store, log: AccessLog, logger: Logger, pseudonymKey: Uint8Array, opts: AccessGateOptions): AccessGate {
    return new AccessGate(store, log, logger, Buffer.from(toBase64Url(pseudonymKey)), opts)
  }

  get log(): AccessLog {
    return this.#log
  }

  /** Stable for one accessor across all receipts, unlinkable to their id without the server's key. */
  pseudonym(userId: UserId): string {
    return `p-${toBase64Url(createHmac('sha256', this.#pseudonymKey).update(userId).digest().subarray(0, 12))}`
  }

  /** Writes the receipt, then performs the access. */
  async access<T>(req: AccessRequest, perform: () => Promise<T>): Promise<T> {
    const receipt = this.#receipt(req)
    const visibleAt = Math.max(receipt.loggedAt, receipt.notice.delayedUntil ?? 0)
    try {
      const devices = (await this.#store.listDevices(req.subject)).filter((d) => d.status === 'active')
      const envelope = await sealReceipt(receipt, devices)
      const index = await this.#log.append(req.subject, envelope, receipt.loggedAt, visibleAt)
      this.#logger.info({ receipt: receipt.id, index, role: req.accessor.role, why: req.justification }, 'access receipt logged')
    } catch (e) {
      this.#logger.error({ err: e, receipt: receipt.id }, 'access receipt could not be written; access refused')
      throw new CandorError('access_log_unavailable', 'the access receipt could not be written, so the access was not performed', { cause: e })
    }
    if (visibleAt <= receipt.loggedAt) {
      try {
        await this.#publish(req.subject)
      } catch (e) {
        // The leaf stays logged and uncommitted; the directory's sweep commits it later.
        this.#logger.error({ err: e, receipt: receipt.id }, 'access receipt not committed to the subject’s directory entry; access refused')
        throw new CandorError('access_log_unavailable', 'the access receipt could not be committed to the subject’s key-directory entry, so the access was not performed', { cause: e })
      }
    }
    return perform()
  }

  #receipt(req: AccessRequest): AccessReceipt {
    const now = this.now()
    const delayed = req.delayedUntil !== undefined && req.delayedUntil > now ? req.delayedUntil : null
    const candidate: AccessReceipt = {
      v: 1,
      id: toBase64Url(randomBytes(16)),
      subject: req.subject,
      accessor: { role: req.accessor.role, pseudonym: this.pseudonym(req.accessor.userId), org: req.accessor.org },
      what: { categories: [...req.categories], resources: [...req.resources] },
      why: { code: req.justification, caseRef: req.caseRef },
      when: { from: now, to: now + (req.windowMs ?? 0) },
      notice: { approvedBySubject: req.approvedBySubject ?? false, notified: delayed === null, delayedUntil: delayed },
      loggedAt: now,
    }
    const parsed = accessReceiptSchema.safeParse(candidate)
    if (!parsed.success) {
      throw new CandorError('bad_request', `access request: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    }
    return parsed.data
  }
}
