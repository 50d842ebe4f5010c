// The key directory service: maps each user id to the user's active device keys (with the
// signatures that enrolled them) and the commitment to their access receipts in the
// transparency package's KeyDirectory, publishing a new signed epoch shortly after each change.
// Callers await publication, so once a registration, an approval or a receipt's logging
// returns, the new entry is provable to everyone.
import { accountKind } from './account-kind.ts'
import {
  RECOVERY_APPROVER,
  approvalStatement,
  compactDirectoryValueCodec,
  encodeDirectoryValue,
  toBase64Url,
  type DirectoryDevice,
  type DirectoryRecovery,
  type DirectoryInfo,
  type DirectoryPastProofResponse,
  type DirectoryProofResponse,
  type UserId,
} from '@candor/protocol'
import {
  KeyDirectory,
  type KeyDirectoryConfig,
  encodeCompactLookup,
  encodeHistoryProof,
  encodeLookupProof,
  encodePastLookupProof,
  formatNote,
  parseNote,
  parseVerifierKey,
} from '@candor/transparency'
import type { RecoveryKeyRecord, Store } from '@candor/ports'
import { nodeVerifyDetached as verifyDetached } from '@candor/crypto/node'
import { x25519Multiplier } from '@candor/transparency/node'
import type { Logger } from '../logger.ts'
import type { ReceiptCommitments } from '../access/receipt-commitments.ts'
import { WitnessCosignatures } from './witness-cosignatures.ts'

const PUBLISH_DELAY_MS = 5

/** The recovery key as the directory entry shows it, with the device statement that set it (§3, §4.2). */
function recoveryEntry(r: RecoveryKeyRecord): DirectoryRecovery {
  return {
    key: toBase64Url(r.publicKey),
    ...(r.previous ? { prev: toBase64Url(r.previous) } : {}),
    by: r.setBy,
    byKey: toBase64Url(r.setByKey),
    sig: toBase64Url(r.signature),
  }
}

const PUBLISH_ATTEMPTS = 5

/** Backlog rows applied per round (rounds repeat until the backlog is empty). */
const BACKLOG_BATCH = 256

/**
 * Several nodes may share one store: a node publishes only under the store's directory lock,
 * after catching up with epochs others stored; readers check the stored epoch count before
 * serving a proof.
 */
export class DirectoryService {
  #directory: KeyDirectory
  readonly #config: KeyDirectoryConfig
  readonly #store: Store
  readonly #log: Logger
  readonly #receipts: ReceiptCommitments
  readonly #cosignatures: WitnessCosignatures
  #reopening: Promise<void> | undefined
  readonly #pendingUsers = new Set<UserId>()
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  #draining = false
  /** The backlog round running now, and the one queued behind it (later callers join that one). */
  #backlogRunning: Promise<void> | undefined
  #backlogQueued: Promise<void> | undefined
  /** Told the people whose receipts became readable at a sweep (delayed notices whose date came): the legal-hold notice follows them. */
  onDueReceipts: ((subjects: readonly UserId[]) => void) | undefined

  private constructor(
    directory: KeyDirectory,
    config: KeyDirectoryConfig,
    store: Store,
    log: Logger,
    receipts: ReceiptCommitments,
    cosignatures: WitnessCosignatures,
  ) {
    this.#directory = directory
    this.#config = config
    this.#store = store
    this.#log = log
    this.#receipts = receipts
    this.#cosignatures = cosignatures
  }

  /**
   * `keys` come from the server's key file: clients pin their public halves. `witnesses`: the
   * verifier keys of the witnesses whose cosignatures this directory accepts and serves.
   */
  static async open(
    store: Store,
    log: Logger,
    origin: string,
    keys: { signingKey: Uint8Array; vrfKey: Uint8Array },
    receipts: ReceiptCommitments,
    witnesses: readonly string[] = [],
  ): Promise<DirectoryService> {
    const config: KeyDirectoryConfig = {
      origin,
      signingKey: keys.signingKey,
      vrfKey: keys.vrfKey,
      vrfMultiplier: x25519Multiplier,
      storage: store.directoryStorage(),
    }
    const cosignatures = new WitnessCosignatures(store, witnesses)
    const service = new DirectoryService(await KeyDirectory.open(config), config, store, log, receipts, cosignatures)
    await service.#underLock(async () => {
      if (service.#directory.epoch < 0) await service.#publishNow()
    })
    // Changes a crash (of this node or another) left unpublished are published before serving.
    await service.applyBacklog().catch((err: unknown) => log.warn({ err }, 'directory backlog not applied at start; the sweep will'))
    return service
  }

  get directory(): KeyDirectory {
    return this.#directory
  }

  /** Rebuilds the directory from storage (another node published, or a write of ours failed). */
  #reopen(): Promise<void> {
    this.#reopening ??= KeyDirectory.open(this.#config)
      .then((d) => {
        this.#directory = d
      })
      .finally(() => (this.#reopening = undefined))
    return this.#reopening
  }

  /**
   * Catches up with epochs and tombstones other nodes stored: only their changes are applied
   * (KeyDirectory.catchUp); a directory that cannot (its state disagrees with storage) is rebuilt.
   */
  async #current(): Promise<KeyDirectory> {
    if (this.#reopening) await this.#reopening
    try {
      const applied = await this.#directory.catchUp()
      if (applied.epochs > 0 || applied.tombstones > 0) this.#log.debug({ ...applied, epoch: this.#directory.epoch }, 'directory caught up')
    } catch (err) {
      this.#log.warn({ err }, 'directory could not catch up; rebuilding it from storage')
      await this.#reopen()
    }
    return this.#directory
  }

  /**
   * Publication holds the store's cluster-wide directory lock and first catches up with what
   * other nodes stored, so epochs never collide; a failed attempt reopens from storage and retries.
   */
  async #underLock(fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#store.withDirectoryLock(async () => {
          await this.#current()
          await fn()
        })
      } catch (e) {
        if (attempt >= PUBLISH_ATTEMPTS) throw e
        this.#log.warn({ err: e, attempt }, 'directory publication failed; reopening from storage')
        await this.#reopen()
      }
    }
  }

  /**
   * The user's entry: their organisation, their active, attested devices and the commitment to their receipts
   * (tallying the ones that became readable since the last publication).
   */
  async valueOf(userId: UserId): Promise<Uint8Array> {
    const devices = await this.#store.listDevices(userId)
    const recoveryKeys = await this.#store.accountRecovery().recoveryKeys(userId)
    const byId = new Map(devices.map((d) => [d.deviceId, d]))
    const entries: DirectoryDevice[] = []
    for (const d of devices) {
      if (d.status !== 'active' || !d.attestation) continue
      const pk = toBase64Url(d.publicKey)
      const { by, signature } = d.attestation
      // A device the recovery key approved names the recovery key (of those the person had) whose signature it carries.
      const byKey =
        by === RECOVERY_APPROVER
          ? recoveryKeys.find((r) => verifyDetached(r.publicKey, approvalStatement(RECOVERY_APPROVER, userId, pk), signature))?.publicKey
          : byId.get(by)?.publicKey
      if (!byKey) continue
      entries.push({ id: d.deviceId, key: pk, by, byKey: toBase64Url(byKey), sig: toBase64Url(signature) })
    }
    const current = recoveryKeys.at(-1)
    const recovery = current ? { recovery: recoveryEntry(current) } : {}
    // A guest is hosted by an organisation but belongs to none (§3 `org`).
    const membership = await this.#store.membershipOf(userId)
    const org = membership && !membership.guest ? membership.org : null
    // Where single sign-on is used: the identity provider's issuer, subject and verified email (§3 `idp`).
    const sso = membership && !membership.guest ? await this.#store.ssoIdentityOf(userId) : null
    const idp = sso ? { idp: { issuer: sso.issuer, subject: sso.subject, email: sso.email } } : {}
    // A user id in the `bot.` namespace is a program, and its entry says so (§3 `kind`).
    const kind = userId.startsWith('bot.') ? 'bot' : await accountKind(this.#store, userId, org)
    return encodeDirectoryValue({ v: 2, kind, org, ...idp, ...recovery, devices: entries, receipts: await this.#receipts.commitment(userId) })
  }

  /**
   * Commits the subject's newly readable receipts to their entry and resolves once it is
   * published. A subject with no account has no entry to carry it: their receipts are only
   * tallied, so they stop being due.
   */
  async publishReceipts(subject: UserId): Promise<void> {
    if (await this.#store.userExists(subject)) return this.publishUser(subject)
    await this.#receipts.commitment(subject)
  }

  /**
   * Publishes the entries of people with receipts that became readable and are not committed
   * yet: delayed notices whose date came, or receipts whose publication failed. The store is
   * the schedule, so it survives restarts, and any node may run it. Returns how many people.
   */
  async publishDueReceipts(limit = 256): Promise<number> {
    const due = await this.#store.untalliedAccessSubjects(this.#receipts.now(), limit)
    await Promise.all(due.map((u) => this.publishReceipts(u)))
    if (due.length > 0) this.onDueReceipts?.(due)
    return due.length
  }

  /** The salt of the person's receipts commitment, handed to them with their receipts. */
  receiptsSalt(userId: UserId): Uint8Array {
    return this.#receipts.salt(userId)
  }

  /**
   * Applies the store's backlog (Store.directoryBacklog): the users whose devices a store
   * transaction changed — registration, approval, revocation, erasure — get their entries
   * published as the device table has them now, erased users' entries are then tombstoned, and
   * only then are those rows cleared. Resolves once every row recorded before the call is applied
   * (callers await it after their change, so the change is provable when they answer). Several
   * nodes may apply the same rows: publishing an entry twice is harmless.
   */
  applyBacklog(): Promise<void> {
    if (this.#backlogQueued) return this.#backlogQueued
    const before = this.#backlogRunning ?? Promise.resolve()
    const round: Promise<void> = before
      .catch(() => undefined)
      .then(() => {
        this.#backlogQueued = undefined
        this.#backlogRunning = round
        return this.#applyBacklogRows()
      })
      .finally(() => {
        if (this.#backlogRunning === round) this.#backlogRunning = undefined
      })
    this.#backlogQueued = round
    return round
  }

  async #applyBacklogRows(): Promise<void> {
    for (;;) {
      const rows = await this.#store.directoryBacklog(BACKLOG_BATCH)
      if (rows.length === 0) return
      await Promise.all([...new Set(rows.map((r) => r.userId))].map((u) => this.publishUser(u)))
      // An erased user's new, empty version is out (everyone sees the account changed); now every
      // version's value and opening go.
      for (const u of new Set(rows.filter((r) => r.erased).map((r) => r.userId))) await this.#directory.tombstone(u)
      await this.#store.clearDirectoryBacklog(rows.map((r) => r.seq))
      if (rows.length < BACKLOG_BATCH) return
    }
  }

  /**
   * Records the user's current devices as a new version and resolves once it is published.
   * Changes arriving within a few milliseconds share one epoch.
   */
  publishUser(userId: UserId): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pendingUsers.add(userId)
      this.#waiters.push({ resolve, reject })
      if (!this.#draining) {
        this.#draining = true
        setTimeout(() => void this.#drain(), PUBLISH_DELAY_MS)
      }
    })
  }

  async #drain(): Promise<void> {
    while (this.#waiters.length > 0) {
      const users = [...this.#pendingUsers]
      this.#pendingUsers.clear()
      const waiters = this.#waiters.splice(0)
      try {
        await this.#underLock(async () => {
          // Values are read under the lock, so the newest device state is what gets published.
          for (const u of users) this.#directory.update(u, await this.valueOf(u))
          await this.#publishNow()
        })
        for (const w of waiters) w.resolve()
      } catch (e) {
        for (const w of waiters) w.reject(e)
      }
    }
    this.#draining = false
  }

  async #publishNow(): Promise<void> {
    const t0 = performance.now()
    const n = this.#directory.pendingCount
    await this.#directory.publishEpoch()
    this.#log.debug({ epoch: this.#directory.epoch, updates: n, ms: performance.now() - t0 }, 'directory epoch published')
  }

  async #withCosignatures(note: string, size: number): Promise<string> {
    const cos = await this.#cosignatures.linesFor(size)
    if (cos.length === 0) return note
    const parsed = parseNote(note)
    return parsed ? formatNote(parsed.text, [...parsed.signatures, ...cos]) : note
  }

  #latest(): Promise<string> {
    const note = this.directory.checkpoint()
    if (!note) throw new Error('directory has no checkpoint')
    return this.#withCosignatures(note, this.directory.epoch + 1)
  }

  async info(): Promise<DirectoryInfo> {
    await this.#current()
    return {
      origin: this.directory.origin,
      verifierKey: this.directory.verifierKey,
      vrfPublicKey: toBase64Url(this.directory.vrfPublicKey),
      checkpoint: await this.#latest(),
    }
  }

  /** The signed checkpoint a proof was made against (its tree size), with its cosignatures. */
  async #checkpointOf(proof: { treeSize: number }): Promise<string> {
    const note = this.directory.checkpointAt(proof.treeSize)
    if (!note) throw new Error(`directory has no checkpoint of size ${proof.treeSize}`)
    return this.#withCosignatures(note, proof.treeSize)
  }

  async lookup(userId: string): Promise<DirectoryProofResponse | null> {
    await this.#current()
    const proof = await this.directory.lookup(userId)
    return proof ? { checkpoint: await this.#checkpointOf(proof), proof: toBase64Url(encodeLookupProof(proof)) } : null
  }

  /** The same lookup in the compact form (docs/protocol.md §3 "Compact lookups"). */
  async lookupCompact(userId: string): Promise<Uint8Array | null> {
    await this.#current()
    const directory = this.directory
    const proof = await directory.lookup(userId)
    if (!proof) return null
    return encodeCompactLookup(userId, { checkpoint: await this.#checkpointOf(proof), proof }, directory.origin, compactDirectoryValueCodec)
  }

  /**
   * The user's entry as of the epoch of tree size `size`, proven in the latest checkpoint, with
   * the consistency proof from `size` to it. Null before the first epoch; `not_found` for a size
   * beyond the latest (after catching up with what other nodes stored).
   */
  async lookupAt(userId: string, size: number): Promise<DirectoryPastProofResponse | null> {
    const directory = await this.#current()
    const proof = await directory.lookupAt(userId, size)
    if (!proof) return null
    // All three against the proof's own tree size, whatever was published meanwhile.
    const note = directory.checkpointAt(proof.treeSize)
    if (!note) throw new Error('directory has no checkpoint of the size it proved against')
    return {
      checkpoint: await this.#withCosignatures(note, proof.treeSize),
      proof: toBase64Url(encodePastLookupProof(proof)),
      consistency: directory.consistencyProof(size, proof.treeSize).map(toBase64Url),
    }
  }

  async history(userId: string): Promise<DirectoryProofResponse | null> {
    await this.#current()
    const proof = await this.directory.history(userId)
    return proof ? { checkpoint: await this.#checkpointOf(proof), proof: toBase64Url(encodeHistoryProof(proof)) } : null
  }

  async consistency(from: number, to: number): Promise<string[]> {
    await this.#current()
    return this.directory.consistencyProof(from, to).map(toBase64Url)
  }

  async checkpointAt(size: number): Promise<string | null> {
    await this.#current()
    const note = this.directory.checkpointAt(size)
    return note ? this.#withCosignatures(note, size) : null
  }

  /**
   * Keeps a configured witness's cosignature of one of our checkpoints, verified, for every
   * node to serve beside it; refuses anything else (witness-cosignatures.ts).
   */
  async addCosignature(note: string): Promise<{ witness: string; size: number }> {
    const directory = await this.#current()
    const own = parseVerifierKey(directory.verifierKey)!
    return this.#cosignatures.accept(note, { origin: directory.origin, keyId: own.keyId, checkpointAt: (size) => directory.checkpointAt(size) })
  }
}
