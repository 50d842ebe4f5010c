// The organisation audit trail: one RFC 9162 Merkle log per organisation, whose leaves are the
// admin actions taken on it, persisted through the store (indexes from the store, so any node may
// append) and published as C2SP checkpoints signed with the access log's key under the origin
// `candor/org-audit/<org>` — the key lives in the server key file only, and a client that pinned
// the access-log key can verify the trail without trusting anything else the server says.
// Write-ahead, like the access gate: an authorised, validated call writes its entry first and only
// then takes effect; if the entry cannot be written, nothing happens (`access_log_unavailable`).
import {
  CandorError,
  orgAuditOrigin,
  toBase64Url,
  utf8,
  type AuditAction,
  type AuditEntry,
  type OrgAuditResponse,
  type OrgId,
} from '@candor/protocol'
import { MerkleLog, SIG_TYPE_ED25519, ed25519NoteSigner, formatVerifierKey, merkleLeafHash, signCheckpoint, signNote } from '@candor/transparency'
import type { AdminRecord, Store } from '@candor/ports'
import type { Logger } from '../../logger.ts'

const CATCH_UP_BATCH = 10_000
/** Entries per page of GET /v1/orgs/:org/audit. */
export const AUDIT_PAGE = 1000
/** Leaves one call of readAction reads at most. */
export const AUDIT_SCAN = 10_000

export type AuditActor =
  | { kind: 'admin'; admin: AdminRecord }
  | { kind: 'scim'; tokenId: string }
  /** The server applying the organisation's policy (a sweep), or a person acting about themself. */
  | { kind: 'policy'; id: string }
  | { kind: 'person'; userId: string }

function actorOf(a: AuditActor): AuditEntry['actor'] {
  switch (a.kind) {
    case 'admin':
      return { kind: 'admin', id: a.admin.userId, role: a.admin.role }
    case 'scim':
      return { kind: 'scim', id: a.tokenId, role: null }
    case 'policy':
      return { kind: 'policy', id: a.id, role: null }
    case 'person':
      return { kind: 'person', id: a.userId, role: null }
  }
}

/** Called with each entry once it is durable (the SIEM stream). */
export type AuditListener = (org: OrgId, index: number, entry: string) => void

export class OrgAuditLog {
  readonly #store: Store
  readonly #seed: Uint8Array
  readonly #publicKey: Uint8Array
  readonly #log: Logger
  readonly #now: () => number
  readonly #trees = new Map<OrgId, MerkleLog>()
  readonly #catchingUp = new Map<OrgId, Promise<MerkleLog>>()
  readonly #listeners: AuditListener[] = []

  /** `seed` and `publicKey`: the access log's signing key (server key file) and its public half. */
  constructor(store: Store, seed: Uint8Array, publicKey: Uint8Array, log: Logger, now: () => number = Date.now) {
    if (seed.length !== 32) throw new Error('the audit-log signing key must be 32 bytes')
    this.#store = store
    this.#seed = seed
    this.#publicKey = publicKey
    this.#log = log
    this.#now = now
  }

  onEntry(listener: AuditListener): void {
    this.#listeners.push(listener)
  }

  verifierKey(org: OrgId): string {
    return formatVerifierKey(orgAuditOrigin(org), SIG_TYPE_ED25519, this.#publicKey)
  }

  /** Signs a statement of the organisation (its policy) as a C2SP note under `name`. */
  signNote(text: string, name: string): string {
    return signNote(text, [ed25519NoteSigner(name, this.#seed)])
  }

  /** The verifier key of notes signed under `name` with this key. */
  noteKey(name: string): string {
    return formatVerifierKey(name, SIG_TYPE_ED25519, this.#publicKey)
  }

  /**
   * Appends the entry and returns its index and text once it is durable; a failure is
   * `access_log_unavailable`, and the caller must then not act.
   */
  async record(org: OrgId, actor: AuditActor, action: AuditAction, target: string | null, details: Record<string, unknown> = {}): Promise<{ index: number; text: string }> {
    const entry: AuditEntry = {
      v: 1,
      org,
      at: this.#now(),
      actor: actorOf(actor),
      action,
      target,
      details,
    }
    const text = JSON.stringify(entry)
    const data = utf8(text)
    let index: number
    try {
      index = await this.#store.governance().appendAuditLeaf(org, data, merkleLeafHash(data), entry.at)
    } catch (e) {
      this.#log.error({ err: e, org, action }, 'audit entry could not be written; action refused')
      throw new CandorError('access_log_unavailable', 'the audit entry could not be written, so the action was not taken', { cause: e })
    }
    this.#log.info({ org, action, index }, 'audit entry logged')
    for (const l of this.#listeners) l(org, index, text)
    return { index, text }
  }

  /** The tree of the organisation, brought up to date with the store. */
  async #tree(org: OrgId): Promise<MerkleLog> {
    const pending = this.#catchingUp.get(org)
    if (pending) return pending
    const p = (async () => {
      let tree = this.#trees.get(org)
      if (!tree) this.#trees.set(org, (tree = new MerkleLog()))
      for (;;) {
        const hashes = await this.#store.governance().auditLeafHashes(org, tree.size, CATCH_UP_BATCH)
        for (const h of hashes) tree.append(h)
        if (hashes.length < CATCH_UP_BATCH) return tree
      }
    })().finally(() => this.#catchingUp.delete(org))
    this.#catchingUp.set(org, p)
    return p
  }

  #checkpoint(org: OrgId, tree: MerkleLog, size: number): string {
    return signCheckpoint({ origin: orgAuditOrigin(org), size, rootHash: tree.root(size), extensions: [] }, [ed25519NoteSigner(orgAuditOrigin(org), this.#seed)])
  }

  /** Entries from `from` (a page), each with its inclusion proof against one signed checkpoint. */
  async read(org: OrgId, from: number): Promise<OrgAuditResponse> {
    const tree = await this.#tree(org)
    const size = tree.size
    const leaves = from < size ? (await this.#store.governance().auditLeaves(org, from, Math.min(AUDIT_PAGE, size - from))).filter((l) => l.index < size) : []
    const last = leaves.at(-1)
    return {
      org,
      verifierKey: this.verifierKey(org),
      checkpoint: this.#checkpoint(org, tree, size),
      entries: leaves.map((l) => ({
        index: l.index,
        entry: new TextDecoder().decode(l.entry),
        proof: tree.inclusionProof(l.index, size).map((h) => toBase64Url(h)),
      })),
      next: last && last.index + 1 < size ? last.index + 1 : null,
    }
  }

  /**
   * The entries of one action from `from` on, each with its inclusion proof against one signed
   * checkpoint: at most AUDIT_SCAN leaves are read per call; `next` is where the scan stopped
   * (null once it reached the checkpoint's end).
   */
  async readAction(org: OrgId, from: number, action: AuditAction): Promise<OrgAuditResponse> {
    const tree = await this.#tree(org)
    const size = tree.size
    const end = Math.min(size, from + AUDIT_SCAN)
    const found: OrgAuditResponse['entries'] = []
    for (let at = from; at < end; ) {
      const leaves = (await this.#store.governance().auditLeaves(org, at, Math.min(AUDIT_PAGE, end - at))).filter((l) => l.index < end)
      if (leaves.length === 0) break
      for (const l of leaves) {
        const text = new TextDecoder().decode(l.entry)
        if ((JSON.parse(text) as { action?: unknown }).action !== action) continue
        found.push({ index: l.index, entry: text, proof: tree.inclusionProof(l.index, size).map((h) => toBase64Url(h)) })
        if (found.length === AUDIT_PAGE) return { org, verifierKey: this.verifierKey(org), checkpoint: this.#checkpoint(org, tree, size), entries: found, next: l.index + 1 < size ? l.index + 1 : null }
      }
      at = leaves.at(-1)!.index + 1
    }
    return { org, verifierKey: this.verifierKey(org), checkpoint: this.#checkpoint(org, tree, size), entries: found, next: end < size ? end : null }
  }

  /** One entry with its inclusion proof against a signed checkpoint of the current tree. */
  async prove(org: OrgId, index: number): Promise<{ entry: string; path: string[]; checkpoint: string } | null> {
    const tree = await this.#tree(org)
    if (index >= tree.size) return null
    const [leaf] = await this.#store.governance().auditLeaves(org, index, 1)
    if (!leaf || leaf.index !== index) return null
    return {
      entry: new TextDecoder().decode(leaf.entry),
      path: tree.inclusionProof(index, tree.size).map((h) => toBase64Url(h)),
      checkpoint: this.#checkpoint(org, tree, tree.size),
    }
  }

  async consistency(org: OrgId, from: number, to: number): Promise<Uint8Array[]> {
    const tree = await this.#tree(org)
    if (!(from >= 1 && from <= to && to <= tree.size)) throw new CandorError('bad_request', `from and to must satisfy 1 ≤ from ≤ to ≤ ${tree.size}`)
    return tree.consistencyProof(from, to)
  }
}
