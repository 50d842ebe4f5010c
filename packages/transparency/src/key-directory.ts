// The server side of the key directory. Updates are queued (VRF and commitment computed at once,
// so publication only hashes), published as one epoch: new leaves go into the prefix tree, the
// epoch's LogEntry goes into the RFC 9162 log, and the log's tree head is signed as a C2SP
// checkpoint. A checkpoint is released only after storage has made it durable: a log must never
// sign two different heads of the same size, even across a crash.
import { CandorError } from '@candor/protocol'
import { ed25519 } from '@noble/curves/ed25519.js'
import { equalBytes } from './bytes.ts'
import { encodeLabelVersion, labelBytes, logEntryLeafHash, searchKey } from './directory-encoding.ts'
import type { EpochProof, HistoryProof, LookupProof, OpenedVersionProof, PastLookupProof, VersionProof } from './directory-proofs.ts'
import { MemoryDirectoryStorage, type DirectoryStorage, type EntryRow, type EpochRow } from './directory-storage.ts'
import { vrfProofToHash, vrfSecretKey, type FixedKeyMultiplierFactory, type VrfSecretKey } from './ecvrf.ts'
import { ed25519NoteSigner, SIG_TYPE_ED25519 } from './note-ed25519.ts'
import { formatVerifierKey } from './note-verifier-key.ts'
import { parseNote, type NoteSigner } from './signed-note.ts'
import { prefixRootFromProof, type PrefixProof } from './prefix-proof.ts'
import { parseCheckpoint, signCheckpoint } from './tlog-checkpoint.ts'
import { UpdateQueue, type UpdateRequest, type VrfEvaluator } from './update-queue.ts'
import { applyDirectoryChanges, restoreDirectoryState, type DirectoryState } from './directory-restore.ts'

export interface KeyDirectoryConfig {
  /** Checkpoint origin line, also the signing key's name (e.g. "candor.example/directory"). */
  readonly origin: string
  /** Ed25519 secret key (32 bytes) that signs checkpoints. */
  readonly signingKey: Uint8Array
  /** ECVRF-EDWARDS25519-SHA512-TAI secret key (32 bytes) that hides labels. */
  readonly vrfKey: Uint8Array
  /** A faster VRF multiplication for servers (`x25519Multiplier` from '@candor/transparency/node'). */
  readonly vrfMultiplier?: FixedKeyMultiplierFactory
  readonly storage?: DirectoryStorage
  /** Milliseconds since the Unix epoch; defaults to Date.now. */
  readonly now?: () => number
}

const MAX_CACHED_PROOFS = 200_000

export class KeyDirectory {
  readonly origin: string
  readonly vrfPublicKey: Uint8Array
  readonly signingPublicKey: Uint8Array
  /** The vkey clients configure: "<origin>+<key id>+<base64(0x01 || public key)>". */
  readonly verifierKey: string
  readonly #vrf: VrfSecretKey
  readonly #signer: NoteSigner
  readonly #storage: DirectoryStorage
  readonly #now: () => number
  readonly #state: DirectoryState
  readonly #nextVersion = new Map<string, number>()
  readonly #vrfProofs = new Map<string, Uint8Array>()
  readonly #queue: UpdateQueue
  #publishing = false
  #lock: Promise<void> = Promise.resolve()
  #inflight: Promise<void> | null = null
  #broken: unknown = null
  /** The position of the last stored tombstone this directory has applied (DirectoryStorage.head). */
  #tombstonePosition = 0

  private constructor(config: KeyDirectoryConfig, storage: DirectoryStorage, state: DirectoryState) {
    this.origin = config.origin
    this.#vrf = vrfSecretKey(config.vrfKey, config.vrfMultiplier)
    this.#signer = ed25519NoteSigner(config.origin, config.signingKey)
    this.vrfPublicKey = this.#vrf.publicKey
    this.signingPublicKey = ed25519.getPublicKey(config.signingKey)
    this.verifierKey = formatVerifierKey(config.origin, SIG_TYPE_ED25519, this.signingPublicKey)
    this.#storage = storage
    this.#now = config.now ?? Date.now
    this.#state = state
    for (const [label, entries] of state.labels) this.#nextVersion.set(label, entries.length + 1)
    this.#queue = new UpdateQueue(this.#vrf, this.#nextVersion, (label, version) => this.#vrfProofs.get(`${version}\u0000${label}`))
  }

  /** Opens a directory, rebuilding its trees from storage and checking them against the stored heads. */
  static async open(config: KeyDirectoryConfig): Promise<KeyDirectory> {
    const storage = config.storage ?? new MemoryDirectoryStorage()
    // The tombstone position first: a tombstone made while the rows are read is applied again at the next catch-up.
    const { tombstones } = await storage.head()
    const state = restoreDirectoryState(await storage.loadEntries(), await storage.loadEpochs())
    const directory = new KeyDirectory(config, storage, state)
    directory.#tombstonePosition = tombstones
    const last = state.epochs.at(-1)
    const note = last === undefined ? null : parseNote(last.checkpoint)
    const head = note === null ? null : parseCheckpoint(note.text)
    const mismatch = head === null || head.size !== state.log.size || head.origin !== config.origin || !equalBytes(head.rootHash, state.log.root())
    if (last !== undefined && mismatch) {
      throw new CandorError('internal', 'stored checkpoint does not match the stored log')
    }
    return directory
  }

  /**
   * Applies what other nodes sharing the storage stored since this directory last read it: their
   * epochs (each checked against its stored prefix root and signed checkpoint, as `open` checks
   * them) and tombstones — the epoch's changes only, not a rebuild. Returns how many epochs were
   * applied. On a mismatch the directory refuses service (`unavailable`) until reopened.
   */
  async catchUp(): Promise<{ epochs: number; tombstones: number }> {
    this.#checkUsable()
    // One read when nothing changed (every lookup asks), without waiting behind publication.
    const head = await this.#storage.head()
    if (head.epochs <= this.#state.epochs.length && head.tombstones <= this.#tombstonePosition) return { epochs: 0, tombstones: 0 }
    return this.#exclusive(async () => {
      this.#checkUsable()
      if (this.#queue.size > 0) throw new CandorError('conflict', 'updates are queued here; publish them before catching up')
      const changes = await this.#storage.loadSince(this.#state.epochs.length, this.#tombstonePosition)
      try {
        applyDirectoryChanges(this.#state, changes, (row) => this.#headMatches(row))
      } catch (cause) {
        this.#broken = cause
        throw new CandorError('unavailable', 'stored epochs do not match; reopen the directory', { cause })
      }
      for (const e of changes.entries) this.#nextVersion.set(e.label, Math.max(this.#nextVersion.get(e.label) ?? 1, e.version + 1))
      this.#tombstonePosition = changes.tombstonePosition
      return { epochs: changes.epochs.length, tombstones: changes.tombstones.length }
    })
  }

  /** The epoch's signed checkpoint names this origin and the log as it now is. */
  #headMatches(row: EpochRow): boolean {
    const note = parseNote(row.checkpoint)
    const head = note === null ? null : parseCheckpoint(note.text)
    return head !== null && head.origin === this.origin && head.size === this.#state.log.size && equalBytes(head.rootHash, this.#state.log.root())
  }

  /** Index of the latest durable epoch, or -1 before the first publication. */
  get epoch(): number {
    return this.#state.epochs.length - 1
  }

  get pendingCount(): number {
    return this.#queue.size
  }

  /** The latest durable signed checkpoint, or null before the first publication. */
  checkpoint(): string | null {
    return this.#state.epochs.at(-1)?.checkpoint ?? null
  }

  /** The signed checkpoint for tree size `size` (epoch size - 1), for witnesses and auditors. */
  checkpointAt(size: number): string | null {
    return this.#state.epochs[size - 1]?.checkpoint ?? null
  }

  consistencyProof(size1: number, size2: number = this.#state.epochs.length): Uint8Array[] {
    if (!Number.isSafeInteger(size2) || size2 > this.#state.epochs.length) throw new CandorError('bad_request', 'unknown tree size')
    try {
      return this.#state.log.consistencyProof(size1, size2)
    } catch (cause) {
      throw new CandorError('bad_request', 'no consistency proof between these sizes', { cause })
    }
  }

  /** Queues a new version of `label` for the next epoch and returns its version number. */
  update(label: string, value: Uint8Array): number {
    this.#checkUsable()
    return this.#queue.add(label, value)
  }

  /**
   * Queues several updates, evaluating their VRF outputs with `evaluate` when given (say, worker
   * threads holding the same VRF key; its outputs are trusted) or locally. Versions are reserved
   * immediately and in order; all items are validated before anything is queued.
   */
  async updateMany(items: readonly UpdateRequest[], evaluate?: VrfEvaluator): Promise<number[]> {
    this.#checkUsable()
    return this.#queue.addMany(items, evaluate)
  }

  /**
   * Publishes, as one epoch (possibly empty), every update requested before this call, and
   * returns the durable epoch row.
   */
  async publishEpoch(): Promise<EpochRow> {
    this.#checkUsable()
    if (this.#publishing) throw new CandorError('conflict', 'an epoch is already being published')
    this.#publishing = true
    const upTo = this.#queue.lastReservation
    try {
      return await this.#exclusive(() => this.#publish(upTo))
    } finally {
      this.#publishing = false
    }
  }

  async #publish(upTo: number): Promise<EpochRow> {
    const state = this.#state
    // Checked before anything is taken from the queue, so a bad clock loses no update.
    const now = Math.floor(this.#now())
    if (!Number.isSafeInteger(now) || now < 0) throw new CandorError('internal', 'the clock returned an invalid time')
    const taken = await this.#queue.take(upTo)
    this.#checkUsable()
    const epoch = state.epochs.length
    const batch = taken.map((e) => ({ ...e, epoch }))
    let row: EpochRow
    try {
      for (const e of batch) state.tree.insert(e.searchKey, e.commitment, epoch)
      const prefixRoot = state.tree.root()
      const timestamp = Math.max(now, state.epochs.at(-1)?.timestamp ?? 0)
      state.log.append(logEntryLeafHash(timestamp, prefixRoot))
      const head = { origin: this.origin, size: state.log.size, rootHash: state.log.root(), extensions: [] }
      row = { epoch, timestamp, prefixRoot, checkpoint: signCheckpoint(head, [this.#signer]) }
    } catch (cause) {
      // E.g. a repeated search key: the trees are half-updated, so stop serving them.
      this.#broken = cause
      throw new CandorError('internal', 'could not build the epoch; reopen the directory', { cause })
    }
    let release!: () => void
    this.#inflight = new Promise<void>((resolve) => (release = resolve))
    try {
      await this.#storage.commitEpoch(row, batch)
    } catch (cause) {
      // The trees now hold an epoch storage does not: refuse service until reopened from storage.
      this.#broken = cause
      throw new CandorError('unavailable', 'could not store the epoch; reopen the directory', { cause })
    } finally {
      this.#inflight = null
      release()
    }
    state.epochs.push(row)
    for (const e of batch) {
      const list = state.labels.get(e.label) ?? []
      list.push(e)
      state.labels.set(e.label, list)
    }
    return row
  }

  /** The latest version of `label` with its proofs, or null before the first epoch. */
  async lookup(label: string): Promise<LookupProof | null> {
    const ctx = await this.#readContext(label)
    if (ctx === null) return null
    const entries = this.#state.labels.get(label) ?? []
    const last = entries.at(-1)
    return {
      ...ctx.epochProof,
      latest: last === undefined ? null : this.#opened(last, ctx.lb),
      absent: this.#versionProof(label, ctx.lb, entries.length + 1, null),
    }
  }

  /**
   * `label` as it was in the epoch of tree size `size` (epoch size - 1): its greatest version
   * then, with proofs against that epoch's prefix root, and that epoch's log entry proven in the
   * latest checkpoint (whose size is the proof's `treeSize`). Null before the first epoch;
   * `not_found` for a size beyond the latest.
   */
  async lookupAt(label: string, size: number): Promise<PastLookupProof | null> {
    const ctx = await this.#readContext(label)
    if (ctx === null) return null
    const latestSize = ctx.epochProof.treeSize
    if (!Number.isSafeInteger(size) || size < 1) throw new CandorError('bad_request', 'size must be a safe integer >= 1')
    if (size > latestSize) throw new CandorError('not_found', `no epoch of tree size ${size}: the latest is ${latestSize}`)
    const epoch = size - 1
    const row = this.#state.epochs[epoch]!
    const entries = (this.#state.labels.get(label) ?? []).filter((e) => e.epoch <= epoch)
    const last = entries.at(-1)
    const prove = (key: Uint8Array): PrefixProof => this.#state.tree.proveAt(key, epoch)
    const latest = last === undefined ? null : this.#opened(last, ctx.lb, prove)
    const absent = this.#versionProof(label, ctx.lb, entries.length + 1, null, prove)
    // The view of a past tree is computed, not stored: check it before anyone relies on it.
    const viewOk = (vp: VersionProof, key: Uint8Array, commitment: Uint8Array | null): boolean => {
      const root = prefixRootFromProof(key, vp.prefixProof, commitment)
      return root !== null && equalBytes(root, row.prefixRoot)
    }
    const absentKey = searchKey(vrfProofToHash(absent.vrfProof)!)
    if ((latest !== null && last !== undefined && !viewOk(latest, last.searchKey, last.commitment)) || !viewOk(absent, absentKey, null)) {
      throw new CandorError('internal', `the prefix tree of epoch ${epoch} does not match its stored root`)
    }
    return {
      epoch,
      treeSize: latestSize,
      timestamp: row.timestamp,
      prefixRoot: row.prefixRoot,
      logProof: this.#state.log.inclusionProof(epoch, latestSize),
      latest,
      absent,
    }
  }

  /** Every version of `label` with proofs, for its owner's monitoring; null before the first epoch. */
  async history(label: string): Promise<HistoryProof | null> {
    const ctx = await this.#readContext(label)
    if (ctx === null) return null
    const entries = this.#state.labels.get(label) ?? []
    return {
      ...ctx.epochProof,
      versions: entries.map((e) => ({ ...this.#opened(e, ctx.lb), addedInEpoch: e.epoch })),
      absent: this.#versionProof(label, ctx.lb, entries.length + 1, null),
    }
  }

  /**
   * Deletes the values and openings of `label` (every version, or one), published or queued. The
   * commitments stay in the tree, so proofs still verify, but nobody can learn the values again.
   */
  async tombstone(label: string, version?: number): Promise<number> {
    this.#checkUsable()
    // Exclusive with publication, so no entry can move from the queue to storage meanwhile.
    return this.#exclusive(async () => {
      this.#checkUsable()
      const queued = await this.#queue.tombstone(label, version)
      await this.#storage.tombstone(label, version)
      let count = 0
      const published = this.#state.labels.get(label)
      if (published !== undefined) {
        this.#state.labels.set(
          label,
          published.map((e) => {
            if ((version !== undefined && e.version !== version) || e.opening === null) return e
            count++
            return { ...e, value: null, opening: null }
          }),
        )
      }
      return count + queued
    })
  }

  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#lock
    let release!: () => void
    this.#lock = new Promise<void>((resolve) => (release = resolve))
    await previous
    try {
      return await fn()
    } finally {
      release()
    }
  }

  async #readContext(label: string): Promise<{ lb: Uint8Array; epochProof: EpochProof } | null> {
    this.#checkUsable()
    if (this.#inflight !== null) await this.#inflight
    this.#checkUsable()
    const lb = labelBytes(label)
    if (lb === null) throw new CandorError('bad_request', 'label must be 1-255 bytes of UTF-8')
    const head = this.#state.epochs.at(-1)
    if (head === undefined) return null
    const size = head.epoch + 1
    const epochProof = {
      treeSize: size,
      timestamp: head.timestamp,
      prefixRoot: head.prefixRoot,
      logProof: this.#state.log.inclusionProof(head.epoch, size),
    }
    return { lb, epochProof }
  }

  #opened(e: EntryRow, lb: Uint8Array, prove?: (key: Uint8Array) => PrefixProof): OpenedVersionProof {
    return { ...this.#versionProof(e.label, lb, e.version, e.searchKey, prove), commitment: e.commitment, value: e.value, opening: e.opening }
  }

  /** `prove` searches the prefix tree: the latest epoch's unless a past epoch's is given. */
  #versionProof(
    label: string,
    lb: Uint8Array,
    version: number,
    key: Uint8Array | null,
    prove: (key: Uint8Array) => PrefixProof = (k) => this.#state.tree.prove(k),
  ): VersionProof {
    const cacheKey = `${version}\u0000${label}`
    let pi = this.#vrfProofs.get(cacheKey)
    if (pi === undefined) {
      pi = this.#vrf.prove(encodeLabelVersion(lb, version))
      this.#cacheProof(label, version, pi)
    }
    const k = key ?? searchKey(vrfProofToHash(pi)!)
    return { version, vrfProof: pi, prefixProof: prove(k) }
  }

  #cacheProof(label: string, version: number, pi: Uint8Array): void {
    // VRF proofs are public and deterministic; a crude bound keeps memory in check.
    if (this.#vrfProofs.size >= MAX_CACHED_PROOFS) this.#vrfProofs.clear()
    this.#vrfProofs.set(`${version}\u0000${label}`, pi)
  }

  #checkUsable(): void {
    if (this.#broken !== null) throw new CandorError('unavailable', 'directory state diverged from storage; reopen it', { cause: this.#broken })
  }
}
