// The server's prefix tree (KEYTRANS §3.3): a binary radix tree over 32-byte search keys where a
// leaf sits at the first depth at which its key's prefix is unique, so a search ends at a leaf or
// at a missing child. Inserts only mark their path dirty; hashes are recomputed once per batch,
// so an epoch of k updates costs about k * (depth - log2 k) hashes.
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
}
interface Parent {
  readonly leaf: false
  left: TreeNode | null
  right: TreeNode | null
  hash: Uint8Array | null // null while dirty
}
type TreeNode = Leaf | Parent

const sameKey = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i])

export class PrefixTree {
  #root: TreeNode | null = null
  #size = 0

  get size(): number {
    return this.#size
  }

  /** Adds a key; keys are VRF outputs, so a repeat means a caller bug and is refused. */
  insert(key: Uint8Array, commitment: Uint8Array): void {
    if (!isHash(key) || !isHash(commitment)) throw new TypeError('key and commitment must be 32 bytes')
    const leaf: Leaf = { leaf: true, key: key.slice(), commitment: commitment.slice(), hash: prefixLeafHash(key, commitment) }
    this.#root = this.#insertAt(this.#root, leaf, 0)
    this.#size++
  }

  #insertAt(node: TreeNode | null, leaf: Leaf, depth: number): TreeNode {
    if (node === null) return leaf
    if (node.leaf) {
      if (sameKey(node.key, leaf.key)) throw new Error('duplicate prefix-tree key')
      return this.#split(node, leaf, depth)
    }
    node.hash = null
    if (keyBit(leaf.key, depth) === 0) node.left = this.#insertAt(node.left, leaf, depth + 1)
    else node.right = this.#insertAt(node.right, leaf, depth + 1)
    return node
  }

  #split(a: Leaf, b: Leaf, depth: number): Parent {
    // Children of this parent live at depth + 1, which must stay within a u8 depth field.
    if (depth >= MAX_PREFIX_DEPTH) throw new Error('prefix-tree keys collide in their first 255 bits')
    const parent: Parent = { leaf: false, left: null, right: null, hash: null }
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
}

function hashOf(node: TreeNode): Uint8Array {
  if (node.leaf || node.hash !== null) return node.hash!
  node.hash = prefixParentHash(
    node.left === null ? null : hashOf(node.left),
    node.right === null ? null : hashOf(node.right),
  )
  return node.hash
}
