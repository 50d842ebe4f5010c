// What the key directory persists, as plain rows. Only leaves are stored: prefix-tree nodes and
// log-tree nodes are derived from them on open (about 1 s per 100k entries), so the stored state
// cannot disagree with itself. Keys (VRF, signing) are configuration, never rows.

export interface EntryRow {
  readonly label: string
  readonly version: number
  /** The epoch whose publication added this entry. */
  readonly epoch: number
  /** Prefix-tree search key: the VRF output for (label, version), truncated to 32 bytes. */
  readonly searchKey: Uint8Array
  readonly commitment: Uint8Array
  /** Null once tombstoned: the commitment stays in the tree but can no longer be opened. */
  readonly value: Uint8Array | null
  readonly opening: Uint8Array | null
}

export interface EpochRow {
  readonly epoch: number
  /** Milliseconds since the Unix epoch, non-decreasing. */
  readonly timestamp: number
  readonly prefixRoot: Uint8Array
  /** The signed C2SP checkpoint for tree size epoch + 1. */
  readonly checkpoint: string
}

/** An entry without value and opening. */
export interface TombstoneRow {
  readonly label: string
  readonly version: number
}

/** How far storage is: epochs stored, and the position of the last tombstone recorded (0: none). */
export interface StorageHead {
  readonly epochs: number
  readonly tombstones: number
}

/** What was stored after a reader's position: the epochs after its first `epochs`, their entries, later tombstones. */
export interface DirectoryChanges {
  /** In epoch order, starting at the position asked for. */
  readonly epochs: readonly EpochRow[]
  /** The entries those epochs published, in any order. */
  readonly entries: readonly EntryRow[]
  /**
   * The entries without value and opening now (every version tombstoned so far) of each label
   * tombstoned after the position asked for: what storage holds, so a reader ends as a rebuild would.
   */
  readonly tombstones: readonly TombstoneRow[]
  /** The position of the last of them (or the one asked for, when there are none). */
  readonly tombstonePosition: number
}

export interface DirectoryStorage {
  /** Every entry row, in any order. */
  loadEntries(): Promise<readonly EntryRow[]> | readonly EntryRow[]
  /** Every epoch row, in epoch order. */
  loadEpochs(): Promise<readonly EpochRow[]> | readonly EpochRow[]
  /** Stores one epoch and the entries it published, atomically. */
  commitEpoch(epoch: EpochRow, entries: readonly EntryRow[]): Promise<void> | void
  /** Deletes value and opening of a label's entries (all versions, or just `version`). */
  tombstone(label: string, version?: number): Promise<void> | void
  /** How many epochs are stored: lets a reader that shares storage notice it is behind. */
  countEpochs(): Promise<number> | number
  /** Epochs stored and the last tombstone's position, in one read: how a reader notices it is behind. */
  head(): Promise<StorageHead> | StorageHead
  /**
   * What was stored after the first `epochs` epochs and after tombstone position `tombstones`:
   * how a node that shares storage catches up without reading everything again. Tombstones are
   * recorded (in `tombstone`) in the order they become visible to readers.
   */
  loadSince(epochs: number, tombstones: number): Promise<DirectoryChanges> | DirectoryChanges
}

/** The in-memory implementation, for tests and single-process use. */
export class MemoryDirectoryStorage implements DirectoryStorage {
  readonly #entries = new Map<string, EntryRow>()
  readonly #epochs: EpochRow[] = []
  /** The labels tombstoned, in order: positions for `loadSince`. */
  readonly #tombstones: Array<{ label: string }> = []

  loadEntries(): readonly EntryRow[] {
    return [...this.#entries.values()]
  }

  loadEpochs(): readonly EpochRow[] {
    return [...this.#epochs]
  }

  commitEpoch(epoch: EpochRow, entries: readonly EntryRow[]): void {
    if (epoch.epoch !== this.#epochs.length) throw new Error(`expected epoch ${this.#epochs.length}, got ${epoch.epoch}`)
    for (const e of entries) {
      if (this.#entries.has(rowKey(e.label, e.version))) throw new Error('entry already stored')
    }
    this.#epochs.push(epoch)
    for (const e of entries) this.#entries.set(rowKey(e.label, e.version), e)
  }

  countEpochs(): number {
    return this.#epochs.length
  }

  head(): StorageHead {
    return { epochs: this.#epochs.length, tombstones: this.#tombstones.length }
  }

  loadSince(epochs: number, tombstones: number): DirectoryChanges {
    const labels = new Set(this.#tombstones.slice(tombstones).map((t) => t.label))
    const rows = [...this.#entries.values()]
    return {
      epochs: this.#epochs.slice(epochs),
      entries: rows.filter((e) => e.epoch >= epochs),
      tombstones: rows.filter((e) => labels.has(e.label) && e.value === null).map((e) => ({ label: e.label, version: e.version })),
      tombstonePosition: Math.max(tombstones, this.#tombstones.length),
    }
  }

  tombstone(label: string, version?: number): void {
    this.#tombstones.push({ label })
    for (const [k, e] of this.#entries) {
      if (e.label === label && (version === undefined || e.version === version)) {
        this.#entries.set(k, { ...e, value: null, opening: null })
      }
    }
  }
}

function rowKey(label: string, version: number): string {
  return `${version}\u0000${label}`
}
