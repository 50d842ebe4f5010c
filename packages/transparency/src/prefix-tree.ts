// The server's prefix tree (KEYTRANS §3.3): a binary radix tree over 32-byte search keys where a
// leaf sits at the first depth at which its key's prefix is unique, so a search ends at a leaf or
// at a missing child. Inserts only mark their path dirty; hashes are recomputed once per batch,
// so an epoch of k updates costs about k * (depth - log2 k) hashes.
//
// Past epochs: each leaf remembers the epoch that added it and each parent the least and greatest
// epoch below it. The tree of epoch E is the tree of the leaves with epoch <= E (the shape depends
// only on the set of keys), so its nodes are read off this one tree: a subtree whose leaves are
// all newer than E is absent, one whose leaves are all at most E is unchanged, and only the
// subtrees holding both are rehashed (see pastValue). No old node is kept.
import { isHash } from './bytes.ts'
import {
  keyBit,
  MAX_PREFIX_DEPTH,
  prefixLeafHash,
  prefixParentHash,
  ZERO_HASH,
  type PrefixProof,
} from './prefix-proof.ts'

interface Leaf {
  readonly leaf: true
  readonly key: Uint8Array
  readonly commitment: Uint8Array
  readonly hash: Uint8Array
  readonly epoch: number
}
interface Parent {
  readonly leaf: false
  left: TreeNode | null
  right: TreeNode | null
  hash: Uint8Array | null // null while dirty
  /** Least and greatest epoch of the leaves below. */
  minEpoch: number
  maxEpoch: number
}
type TreeNode = Leaf | Parent

/**
 * A node of the tree of some past epoch: absent (null), a single leaf (which in that tree sits
 * higher up, where its prefix became unique), or a parent of at least two leaves.
 */
type PastValue = { readonly hash: Uint8Array; readonly single: Leaf | null } | null

/**
 * Rehashed nodes of past epochs, kept across proofs (many clients ask about the same recent
 * epoch). Bounded: past this many nodes, the least recently used epochs are dropped.
 */
const MAX_PAST_NODES = 200_000

const sameKey = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i])

export class PrefixTree {
  #root: TreeNode | null = null
  #size = 0
  #maxEpoch = -1
  /** Per past epoch, the values of its rehashed parents; Map order = least recently used first. */
  readonly #past = new Map<number, Map<Parent, PastValue>>()
  #pastNodes = 0

  get size(): number {
    return this.#size
  }

  /**
   * Adds a key, published in `epoch` (0 for a tree without epochs). Keys are VRF outputs, so a
   * repeat means a caller bug and is refused.
   */
  insert(key: Uint8Array, commitment: Uint8Array, epoch = 0): void {
    if (!isHash(key) || !isHash(commitment)) throw new TypeError('key and commitment must be 32 bytes')
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError('epoch must be a safe integer >= 0')
    const leaf: Leaf = { leaf: true, key: key.slice(), commitment: commitment.slice(), hash: prefixLeafHash(key, commitment), epoch }
    this.#root = this.#insertAt(this.#root, leaf, 0)
    this.#size++
    // A leaf of an epoch already rehashed (only when rebuilding out of order) changes that view.
    if (epoch <= this.#maxEpoch) for (const e of [...this.#past.keys()]) if (e >= epoch) this.#dropPast(e)
    this.#maxEpoch = Math.max(this.#maxEpoch, epoch)
  }

  #insertAt(node: TreeNode | null, leaf: Leaf, depth: number): TreeNode {
    if (node === null) return leaf
    if (node.leaf) {
      if (sameKey(node.key, leaf.key)) throw new Error('duplicate prefix-tree key')
      return this.#split(node, leaf, depth)
    }
    node.hash = null
    node.minEpoch = Math.min(node.minEpoch, leaf.epoch)
    node.maxEpoch = Math.max(node.maxEpoch, leaf.epoch)
    if (keyBit(leaf.key, depth) === 0) node.left = this.#insertAt(node.left, leaf, depth + 1)
    else node.right = this.#insertAt(node.right, leaf, depth + 1)
    return node
  }

  #split(a: Leaf, b: Leaf, depth: number): Parent {
    // Children of this parent live at depth + 1, which must stay within a u8 depth field.
    if (depth >= MAX_PREFIX_DEPTH) throw new Error('prefix-tree keys collide in their first 255 bits')
    const parent: Parent = {
      leaf: false,
      left: null,
      right: null,
      hash: null,
      minEpoch: Math.min(a.epoch, b.epoch),
      maxEpoch: Math.max(a.epoch, b.epoch),
    }
    const bitA = keyBit(a.key, depth)
    if (bitA !== keyBit(b.key, depth)) {
      if (bitA === 0) [parent.left, parent.right] = [a, b]
      else [parent.left, parent.right] = [b, a]
    } else if (bitA === 0) {
      parent.left = this.#split(a, b, depth + 1)
    } else {
      parent.right = this.#split(a, b, depth + 1)
    }
    return parent
  }

  /** The root value; an empty tree's root is 32 zero bytes. */
  root(): Uint8Array {
    return this.#root === null ? ZERO_HASH : hashOf(this.#root)
  }

  /** The search proof for `key` against the current root. */
  prove(key: Uint8Array): PrefixProof {
    if (!isHash(key)) throw new TypeError('search key must be 32 bytes')
    this.root()
    const copath: (Uint8Array | null)[] = []
    let node = this.#root
    if (node === null) return { kind: 'empty', depth: 0, copath }
    for (let depth = 0; ; depth++) {
      if (node.leaf) {
        if (sameKey(node.key, key)) return { kind: 'inclusion', depth, copath }
        return { kind: 'leaf', depth, copath, leafKey: node.key, leafCommitment: node.commitment }
      }
      const right = keyBit(key, depth) === 1
      const child: TreeNode | null = right ? node.right : node.left
      const sibling = right ? node.left : node.right
      copath.push(sibling === null ? null : hashOf(sibling))
      if (child === null) return { kind: 'empty', depth: depth + 1, copath }
      node = child
    }
  }

  /** The root of the tree of `epoch`: the leaves added in epochs up to it. */
  rootAt(epoch: number): Uint8Array {
    return this.#pastValue(this.#root, epoch, this.#pastMemo(epoch))?.hash ?? ZERO_HASH
  }

  /** The search proof for `key` against the root of the tree of `epoch` (see rootAt). */
  proveAt(key: Uint8Array, epoch: number): PrefixProof {
    if (!isHash(key)) throw new TypeError('search key must be 32 bytes')
    const memo = this.#pastMemo(epoch)
    const copath: (Uint8Array | null)[] = []
    let node = this.#root
    let value = this.#pastValue(node, epoch, memo)
    for (let depth = 0; ; depth++) {
      if (node === null || value === null) return { kind: 'empty', depth, copath }
      if (value.single !== null) {
        const leaf = value.single
        if (sameKey(leaf.key, key)) return { kind: 'inclusion', depth, copath }
        return { kind: 'leaf', depth, copath, leafKey: leaf.key, leafCommitment: leaf.commitment }
      }
      // Two or more leaves of the epoch below: a parent in both trees.
      const parent = node as Parent
      const right = keyBit(key, depth) === 1
      const sibling = right ? parent.left : parent.right
      copath.push(this.#pastValue(sibling, epoch, memo)?.hash ?? null)
      node = right ? parent.right : parent.left
      value = this.#pastValue(node, epoch, memo)
    }
  }

  /**
   * What `node`'s subtree is in the tree of `epoch`. Only subtrees holding leaves both older and
   * newer than `epoch` are visited and rehashed (and remembered in `memo`); a subtree entirely
   * older is its current self, one entirely newer is absent.
   */
  #pastValue(node: TreeNode | null, epoch: number, memo: Map<Parent, PastValue>): PastValue {
    if (node === null) return null
    if (node.leaf) return node.epoch <= epoch ? { hash: node.hash, single: node } : null
    if (node.minEpoch > epoch) return null
    if (node.maxEpoch <= epoch) return { hash: hashOf(node), single: null }
    const known = memo.get(node)
    if (known !== undefined) return known
    const left = this.#pastValue(node.left, epoch, memo)
    const right = this.#pastValue(node.right, epoch, memo)
    let value: PastValue
    // One leaf left below: in the past tree it is that leaf, not a parent of it.
    if (left === null && right !== null && right.single !== null) value = right
    else if (right === null && left !== null && left.single !== null) value = left
    else value = { hash: prefixParentHash(left?.hash ?? null, right?.hash ?? null), single: null }
    memo.set(node, value)
    this.#pastNodes++
    return value
  }

  #pastMemo(epoch: number): Map<Parent, PastValue> {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError('epoch must be a safe integer >= 0')
    let memo = this.#past.get(epoch)
    if (memo !== undefined) this.#past.delete(epoch)
    else {
      memo = new Map()
      while (this.#pastNodes > MAX_PAST_NODES && this.#past.size > 0) this.#dropPast(this.#past.keys().next().value!)
    }
    this.#past.set(epoch, memo)
    return memo
  }

  #dropPast(epoch: number): void {
    this.#pastNodes -= this.#past.get(epoch)?.size ?? 0
    this.#past.delete(epoch)
  }
}

function hashOf(node: TreeNode): Uint8Array {
  if (node.leaf || node.hash !== null) return node.hash!
  node.hash = prefixParentHash(
    node.left === null ? null : hashOf(node.left),
    node.right === null ? null : hashOf(node.right),
  )
  return node.hash
}
