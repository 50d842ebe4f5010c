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
}

/** The in-memory implementation, for tests and single-process use. */
export class MemoryDirectoryStorage implements DirectoryStorage {
  readonly #entries = new Map<string, EntryRow>()
  readonly #epochs: EpochRow[] = []

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

  tombstone(label: string, version?: number): void {
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
