// An append-only RFC 9162 tree kept as its complete subtrees: level h holds the hash of every
// aligned run of 2^h leaves. Appending costs O(1) amortised hashes, and the root or a proof for
// any past size costs O(log n) lookups plus O(log n) hashes for the ragged right edge.
import { isHash } from './bytes.ts'
import { EMPTY_ROOT, merkleNodeHash, splitPoint } from './merkle-hash.ts'
import { consistencyPath, inclusionPath, type RangeHasher } from './merkle-proofs.ts'

export class MerkleLog {
  readonly #levels: Uint8Array[][] = [[]]

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const leaf of leafHashes) this.append(leaf)
  }

  get size(): number {
    return this.#levels[0]!.length
  }

  /** Appends a leaf hash (already MTH of the entry) and returns its index. */
  append(leafHash: Uint8Array): number {
    if (!isHash(leafHash)) throw new TypeError('leaf hash must be 32 bytes')
    const index = this.size
    this.#levels[0]!.push(leafHash)
    let h = 0
    let i = index
    while (i % 2 === 1) {
      const level = this.#levels[h]!
      const parent = merkleNodeHash(level[i - 1]!, level[i]!)
      h++
      i = (i - 1) / 2
      const up = this.#levels[h] ?? (this.#levels[h] = [])
      up.push(parent)
    }
    return index
  }

  leafHash(index: number): Uint8Array | undefined {
    return this.#levels[0]![index]
  }

  /** Root of the tree as it was when it held `size` leaves (default: now). */
  root(size: number = this.size): Uint8Array {
    this.#checkSize(size)
    return size === 0 ? EMPTY_ROOT : this.#hashRange(0, size)
  }

  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.#checkSize(size)
    return inclusionPath(this.#hashRange, index, size)
  }

  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    this.#checkSize(size2)
    return consistencyPath(this.#hashRange, size1, size2)
  }

  #checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`tree size ${size} outside 0..${this.size}`)
    }
  }

  readonly #hashRange: RangeHasher = (lo, hi) => {
    const width = hi - lo
    // Aligned power-of-two runs are stored; RFC 9162's splits only ever ask for aligned ones.
    const h = Math.log2(width)
    if (Number.isInteger(h) && lo % width === 0) {
      const stored = this.#levels[h]?.[lo / width]
      if (stored !== undefined) return stored
    }
    const k = splitPoint(width)
    return merkleNodeHash(this.#hashRange(lo, lo + k), this.#hashRange(lo + k, hi))
  }
}
