// The access log: an RFC 9162 Merkle log whose leaves are sealed access receipts, persisted
// through the Store (any node may append; indexes come from the store) and published as C2SP
// checkpoints signed with the log's own Ed25519 key. Each node keeps the tree in memory and
// catches up from the store before it answers, so every node serves the same tree.
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { fromBase64Url, type AccessLogInfo, type UserId } from '@candor/protocol'
import {
  MerkleLog,
  SIG_TYPE_ED25519,
  ed25519NoteSigner,
  formatVerifierKey,
  merkleLeafHash,
  signCheckpoint,
  signNote,
  type NoteSigner,
} from '@candor/transparency'
import type { AccessLeaf, Store } from '@candor/ports'

const CATCH_UP_BATCH = 10_000
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const jwk = createPublicKey(key).export({ format: 'jwk' })
  return fromBase64Url(jwk.x!)!
}

export interface ProvedLeaf {
  leaf: AccessLeaf
  proof: Uint8Array[]
}

export class AccessLog {
  readonly origin: string
  readonly verifierKey: string
  /** The Ed25519 public half of the log's signing key. */
  readonly publicKey: Uint8Array
  readonly #store: Store
  readonly #signer: NoteSigner
  readonly #tree = new MerkleLog()
  #catchingUp: Promise<void> | undefined

  private constructor(store: Store, origin: string, seed: Uint8Array) {
    this.#store = store
    this.origin = origin
    this.#signer = ed25519NoteSigner(origin, seed)
    this.publicKey = ed25519PublicKey(seed)
    this.verifierKey = formatVerifierKey(origin, SIG_TYPE_ED25519, this.publicKey)
  }

  /** `seed` is the log's Ed25519 signing key from the server's key file (clients pin its public half). */
  static async open(store: Store, origin: string, seed: Uint8Array): Promise<AccessLog> {
    if (seed.length !== 32) throw new Error('the access-log signing key must be 32 bytes')
    const log = new AccessLog(store, origin, seed)
    await log.catchUp()
    return log
  }

  get size(): number {
    return this.#tree.size
  }

  /** Persists a sealed receipt as the next leaf; returns its index once it is durable. */
  async append(subject: UserId, envelope: Uint8Array, loggedAt: number, visibleAt: number): Promise<number> {
    const index = await this.#store.appendAccessLeaf({ subject, leafHash: merkleLeafHash(envelope), envelope, loggedAt, visibleAt })
    // A catch-up already under way may have started before this leaf existed.
    while (this.#tree.size <= index) await this.catchUp()
    return index
  }

  /** Logs a leaf over `data` that the server keeps no copy of and hands to no one (a deletion receipt). */
  async appendUnaddressed(data: Uint8Array, loggedAt: number): Promise<number> {
    const index = await this.#store.appendAccessLeaf({ subject: null, leafHash: merkleLeafHash(data), envelope: null, loggedAt, visibleAt: loggedAt })
    while (this.#tree.size <= index) await this.catchUp()
    return index
  }

  /** Signs a statement (a C2SP signed note) with the log's key, which clients pin. */
  signStatement(text: string): string {
    return signNote(text, [this.#signer])
  }

  inclusionProof(index: number, size: number): Uint8Array[] {
    return this.#tree.inclusionProof(index, size)
  }

  /** Loads leaves other nodes (or this one) appended since the tree was last brought up to date. */
  catchUp(): Promise<void> {
    this.#catchingUp ??= (async () => {
      for (;;) {
        const hashes = await this.#store.accessLeafHashes(this.#tree.size, CATCH_UP_BATCH)
        for (const h of hashes) this.#tree.append(h)
        if (hashes.length < CATCH_UP_BATCH) return
      }
    })().finally(() => (this.#catchingUp = undefined))
    return this.#catchingUp
  }

  /** A signed checkpoint of the tree at `size` (default: now). */
  checkpoint(size = this.#tree.size): string {
    return signCheckpoint({ origin: this.origin, size, rootHash: this.#tree.root(size), extensions: [] }, [this.#signer])
  }

  async info(): Promise<AccessLogInfo> {
    await this.catchUp()
    return { origin: this.origin, verifierKey: this.verifierKey, checkpoint: this.checkpoint() }
  }

  /** The subject's readable leaves with inclusion proofs, against one signed checkpoint. */
  async leavesOf(subject: UserId, now: number): Promise<{ checkpoint: string; leaves: ProvedLeaf[] }> {
    await this.catchUp()
    const size = this.#tree.size
    const leaves = (await this.#store.accessLeavesOf(subject, now)).filter((l) => l.index < size)
    return { checkpoint: this.checkpoint(size), leaves: leaves.map((leaf) => ({ leaf, proof: this.#tree.inclusionProof(leaf.index, size) })) }
  }

  async consistency(from: number, to: number): Promise<Uint8Array[]> {
    await this.catchUp()
    return this.#tree.consistencyProof(from, to)
  }
}
