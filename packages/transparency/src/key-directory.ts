// The server side of the key directory. Updates are queued (VRF and commitment computed at once,
// so publication only hashes), published as one epoch: new leaves go into the prefix tree, the
// epoch's LogEntry goes into the RFC 9162 log, and the log's tree head is signed as a C2SP
// checkpoint. A checkpoint is released only after storage has made it durable: a log must never
// sign two different heads of the same size, even across a crash.
import { CandorError } from '@candor/protocol'
import { ed25519 } from '@noble/curves/ed25519.js'
import { equalBytes, isBytes } from './bytes.ts'
import { commit, newOpening } from './commitment.ts'
import { encodeLabelVersion, labelBytes, logEntryLeafHash, MAX_VALUE_BYTES, searchKey } from './directory-encoding.ts'
import type { EpochProof, HistoryProof, LookupProof, OpenedVersionProof, VersionProof } from './directory-proofs.ts'
import { MemoryDirectoryStorage, type DirectoryStorage, type EntryRow, type EpochRow } from './directory-storage.ts'
import { vrfProofToHash, vrfSecretKey, type VrfSecretKey } from './ecvrf.ts'
import { ed25519NoteSigner, SIG_TYPE_ED25519 } from './note-ed25519.ts'
import { formatVerifierKey } from './note-verifier-key.ts'
import { parseNote, type NoteSigner } from './signed-note.ts'
import { parseCheckpoint, signCheckpoint } from './tlog-checkpoint.ts'
import { restoreDirectoryState, type DirectoryState } from './directory-restore.ts'

export interface KeyDirectoryConfig {
  /** Checkpoint origin line, also the signing key's name (e.g. "candor.example/directory"). */
  readonly origin: string
  /** Ed25519 secret key (32 bytes) that signs checkpoints. */
  readonly signingKey: Uint8Array
  /** ECVRF-EDWARDS25519-SHA512-TAI secret key (32 bytes) that hides labels. */
  readonly vrfKey: Uint8Array
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
  #pending: EntryRow[] = []
  #inflight: Promise<void> | null = null
  #broken: unknown = null

  private constructor(config: KeyDirectoryConfig, storage: DirectoryStorage, state: DirectoryState) {
    this.origin = config.origin
    this.#vrf = vrfSecretKey(config.vrfKey)
    this.#signer = ed25519NoteSigner(config.origin, config.signingKey)
    this.vrfPublicKey = this.#vrf.publicKey
    this.signingPublicKey = ed25519.getPublicKey(config.signingKey)
    this.verifierKey = formatVerifierKey(config.origin, SIG_TYPE_ED25519, this.signingPublicKey)
    this.#storage = storage
    this.#now = config.now ?? Date.now
    this.#state = state
    for (const [label, entries] of state.labels) this.#nextVersion.set(label, entries.length + 1)
  }

  /** Opens a directory, rebuilding its trees from storage and checking them against the stored heads. */
  static async open(config: KeyDirectoryConfig): Promise<KeyDirectory> {
    const storage = config.storage ?? new MemoryDirectoryStorage()
    const state = restoreDirectoryState(await storage.loadEntries(), await storage.loadEpochs())
    const directory = new KeyDirectory(config, storage, state)
    const last = state.epochs.at(-1)
    const note = last === undefined ? null : parseNote(last.checkpoint)
    const head = note === null ? null : parseCheckpoint(note.text)
    const mismatch = head === null || head.size !== state.log.size || head.origin !== config.origin || !equalBytes(head.rootHash, state.log.root())
    if (last !== undefined && mismatch) {
      throw new CandorError('internal', 'stored checkpoint does not match the stored log')
    }
    return directory
  }

  /** Index of the latest durable epoch, or -1 before the first publication. */
  get epoch(): number {
    return this.#state.epochs.length - 1
  }

  get pendingCount(): number {
    return this.#pending.length
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
    const lb = labelBytes(label)
    if (lb === null) throw new CandorError('bad_request', 'label must be 1-255 bytes of UTF-8')
    if (!isBytes(value) || value.length > MAX_VALUE_BYTES) throw new CandorError('bad_request', `value must be at most ${MAX_VALUE_BYTES} bytes`)
    const version = this.#nextVersion.get(label) ?? 1
    // Only the VRF output is needed to publish (one scalar multiplication, the dominant cost of an
    // update); the proof is built on the first lookup and cached. A lookup has usually proved
    // this version absent already, so its cached proof gives the output for a hash.
    const cached = this.#vrfProofs.get(`${version}\u0000${label}`)
    const beta = (cached && vrfProofToHash(cached)) ?? this.#vrf.hash(encodeLabelVersion(lb, version))
    const opening = newOpening()
    this.#pending.push({
      label,
      version,
      epoch: -1,
      searchKey: searchKey(beta),
      commitment: commit(opening, lb, version, value),
      value: value.slice(),
      opening,
    })
    this.#nextVersion.set(label, version + 1)
    return version
  }

  /** Publishes everything queued as one epoch (possibly empty) and returns the durable epoch row. */
  async publishEpoch(): Promise<EpochRow> {
    this.#checkUsable()
    if (this.#inflight !== null) throw new CandorError('conflict', 'an epoch is already being published')
    const state = this.#state
    const epoch = state.epochs.length
    const batch = this.#pending.map((e) => ({ ...e, epoch }))
    this.#pending = []
    for (const e of batch) state.tree.insert(e.searchKey, e.commitment)
    const prefixRoot = state.tree.root()
    const timestamp = Math.max(this.#now(), state.epochs.at(-1)?.timestamp ?? 0)
    state.log.append(logEntryLeafHash(timestamp, prefixRoot))
    const checkpoint = signCheckpoint({ origin: this.origin, size: state.log.size, rootHash: state.log.root(), extensions: [] }, [this.#signer])
    const row: EpochRow = { epoch, timestamp, prefixRoot, checkpoint }
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
    if (this.#inflight !== null) await this.#inflight
    await this.#storage.tombstone(label, version)
    let count = 0
    const erase = (list: EntryRow[]): EntryRow[] =>
      list.map((e) => {
        if (e.label !== label || (version !== undefined && e.version !== version) || e.opening === null) return e
        count++
        return { ...e, value: null, opening: null }
      })
    const published = this.#state.labels.get(label)
    if (published !== undefined) this.#state.labels.set(label, erase(published))
    this.#pending = erase(this.#pending)
    return count
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

  #opened(e: EntryRow, lb: Uint8Array): OpenedVersionProof {
    return { ...this.#versionProof(e.label, lb, e.version, e.searchKey), commitment: e.commitment, value: e.value, opening: e.opening }
  }

  #versionProof(label: string, lb: Uint8Array, version: number, key: Uint8Array | null): VersionProof {
    const cacheKey = `${version}\u0000${label}`
    let pi = this.#vrfProofs.get(cacheKey)
    if (pi === undefined) {
      pi = this.#vrf.prove(encodeLabelVersion(lb, version))
      this.#cacheProof(label, version, pi)
    }
    const k = key ?? searchKey(vrfProofToHash(pi)!)
    return { version, vrfProof: pi, prefixProof: this.#state.tree.prove(k) }
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
