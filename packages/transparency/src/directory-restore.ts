// Rebuilds the directory's in-memory trees from stored rows, checking each epoch's prefix root
// against the stored one, so a corrupted or tampered store is refused instead of served.
import { equalBytes } from './bytes.ts'
import { logEntryLeafHash } from './directory-encoding.ts'
import type { DirectoryChanges, EntryRow, EpochRow } from './directory-storage.ts'
import { MerkleLog } from './merkle-log.ts'
import { PrefixTree } from './prefix-tree.ts'

export interface DirectoryState {
  readonly tree: PrefixTree
  readonly log: MerkleLog
  readonly epochs: EpochRow[]
  /** Published entries per label, index = version - 1. */
  readonly labels: Map<string, EntryRow[]>
}

/**
 * Applies what other writers stored after `state` (DirectoryStorage.loadSince): each new epoch's
 * entries go into the prefix tree and its log entry into the log, checked against the stored
 * prefix root and signed checkpoint as a rebuild checks them; then the tombstones. Throws on any
 * mismatch — the state is then half-applied and must be rebuilt from storage.
 */
export function applyDirectoryChanges(state: DirectoryState, changes: DirectoryChanges, checkHead: (row: EpochRow) => boolean): void {
  const byEpoch = new Map<number, EntryRow[]>()
  for (const e of changes.entries) {
    const list = byEpoch.get(e.epoch) ?? []
    list.push(e)
    byEpoch.set(e.epoch, list)
  }
  const first = state.epochs.length
  changes.epochs.forEach((row, i) => {
    if (row.epoch !== first + i) throw new Error(`stored epochs are not contiguous at ${first + i}`)
    const added = (byEpoch.get(row.epoch) ?? []).sort((a, b) => a.version - b.version)
    byEpoch.delete(row.epoch)
    for (const e of added) state.tree.insert(e.searchKey, e.commitment, row.epoch)
    if (!equalBytes(state.tree.root(), row.prefixRoot)) throw new Error(`stored prefix root of epoch ${row.epoch} does not match its entries`)
    state.log.append(logEntryLeafHash(row.timestamp, row.prefixRoot))
    if (!checkHead(row)) throw new Error(`stored checkpoint of epoch ${row.epoch} does not match the log`)
    state.epochs.push(row)
    for (const e of added) {
      const list = state.labels.get(e.label) ?? []
      if (e.version !== list.length + 1) throw new Error('versions of a label are not contiguous')
      list.push(e)
      state.labels.set(e.label, list)
    }
  })
  if (byEpoch.size > 0) throw new Error('stored entries belong to unknown epochs')
  for (const t of changes.tombstones) {
    const list = state.labels.get(t.label)
    if (list === undefined) continue
    state.labels.set(
      t.label,
      list.map((e) => (e.version === t.version ? { ...e, value: null, opening: null } : e)),
    )
  }
}

export function restoreDirectoryState(entries: readonly EntryRow[], epochs: readonly EpochRow[]): DirectoryState {
  const tree = new PrefixTree()
  const log = new MerkleLog()
  const labels = new Map<string, EntryRow[]>()
  const byEpoch = new Map<number, EntryRow[]>()
  for (const e of entries) {
    const list = byEpoch.get(e.epoch) ?? []
    list.push(e)
    byEpoch.set(e.epoch, list)
  }
  epochs.forEach((row, i) => {
    if (row.epoch !== i) throw new Error(`stored epochs are not contiguous at ${i}`)
    for (const e of byEpoch.get(i) ?? []) tree.insert(e.searchKey, e.commitment, i)
    byEpoch.delete(i)
    if (!equalBytes(tree.root(), row.prefixRoot)) throw new Error(`stored prefix root of epoch ${i} does not match its entries`)
    log.append(logEntryLeafHash(row.timestamp, row.prefixRoot))
  })
  if (byEpoch.size > 0) throw new Error('stored entries belong to unknown epochs')
  for (const e of [...entries].sort((a, b) => a.version - b.version)) {
    const list = labels.get(e.label) ?? []
    if (e.version !== list.length + 1) throw new Error(`versions of a label are not contiguous`)
    list.push(e)
    labels.set(e.label, list)
  }
  return { tree, log, epochs: [...epochs], labels }
}
