// The server as the external sender of this device's groups (docs/protocol.md §5.7).
//
// New groups name the server's sender key — only once the access-log key this device pinned
// vouches for it. The server's proposals (deliver kind 3) are accepted only as the removal of a
// leaf whose person the key directory shows with no device left (deprovisioned, or every device
// revoked); anything else is refused and alerted. An accepted proposal is held aside (not applied
// to the group state, which could then send nothing until a commit): it is applied just before
// this device commits — every commit it makes takes it by reference — or processes a commit of
// that epoch. The lowest remaining leaf commits at once; the others after a delay by rank, if
// the group has not moved on by then ("the next member online").
import { CandorError, externalSenderResponse, fromBase64Url, toBase64Url, type DeliverFrame } from '@candor/protocol'
import { epochOf, leaves, ownLeafIndex, processIncoming, serverRemovalOf, serverSenderEndorsed, type GroupState, type MlsSuites, type ServerSender } from '@candor/crypto'
import { SIG_TYPE_ED25519, parseVerifierKey } from '@candor/transparency'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client.ts'
import type { Conversations } from './conversations.ts'
import type { DeviceDirectory } from './directory.ts'
import type { LocalStore } from './local-store.ts'

const HELD = 'server-proposals/'
/** Each member after the first waits this long per rank before committing a held proposal. */
const RANK_DELAY_MS = 1_500

export interface ServerRemovalDeps {
  api: ApiClient
  store: LocalStore
  suites: MlsSuites
  directory: DeviceDirectory
  conversations: Conversations
  /** The access-log key this device pinned (a C2SP verifier key). */
  accessLogKey(): Promise<string>
  /** Commits whatever the group holds (GroupChanges.commit with nothing else to change); true if this device's commit went in. */
  commitHeld(groupId: string): Promise<boolean>
  /** The committer's "X removed Y" line. */
  membersChanged(groupId: string, removed: readonly string[]): Promise<void>
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

interface Held {
  epoch: number
  /** The proposals' MLS messages, base64url. */
  proposals: string[]
}

export class ServerRemovals {
  readonly #d: ServerRemovalDeps
  #sender: Promise<ServerSender | null> | undefined

  constructor(deps: ServerRemovalDeps) {
    this.#d = deps
  }

  /** The raw Ed25519 access-log key this device pinned, or null when it has none usable. */
  async pinnedKey(): Promise<Uint8Array | null> {
    const k = parseVerifierKey(await this.#d.accessLogKey())
    return k && k.type === SIG_TYPE_ED25519 ? k.publicKey : null
  }

  /**
   * The server's external sender for new groups: null when the server offers none (an older
   * server) or the pinned key does not vouch for it (then groups are made without it, and said so).
   */
  sender(): Promise<ServerSender | null> {
    this.#sender ??= this.#fetchSender().catch((error: unknown) => {
      this.#sender = undefined
      // A sender the pinned key does not vouch for: the group is made without one, and said so.
      // Anything else (the network) fails the creation, to be tried again, rather than making a
      // group that can never have the server's proposals.
      if (!(error instanceof CandorError && error.code === 'directory_proof_invalid')) throw error
      this.#d.emit('error', { where: "the server's MLS external sender was refused", error })
      return null
    })
    return this.#sender
  }

  async #fetchSender(): Promise<ServerSender | null> {
    let res
    try {
      res = externalSenderResponse.parse(await this.#d.api.publicJson('GET', '/v1/mls/external-sender'))
    } catch (e) {
      if (e instanceof CandorError && e.code === 'not_found') return null
      throw e
    }
    const sender = { publicKey: fromBase64Url(res.publicKey)!, endorsement: fromBase64Url(res.endorsement)! }
    const key = await this.pinnedKey()
    if (!key || !serverSenderEndorsed(sender, key)) throw new CandorError('directory_proof_invalid', "the server's MLS external sender is not vouched for by the pinned access-log key")
    return sender
  }

  /** A server proposal delivered to this device (kind 3). Never throws for a proposal it refuses: it alerts. */
  async received(f: DeliverFrame): Promise<void> {
    const c = this.#d.conversations.get(f.groupId)
    if (!c || c.meta.status !== 'active') return
    let removedLeaf: number
    let epoch: bigint
    try {
      ;({ removedLeaf, epoch } = serverRemovalOf(f.payload))
    } catch (error) {
      this.#d.emit('error', { where: `a server proposal in ${f.groupId} was refused`, error })
      return
    }
    // Another epoch: a stale one, or one this device has not reached (the server proposes again after each commit).
    if (Number(epoch) !== epochOf(c.state)) return
    const leaf = leaves(c.state).find((l) => l.leafIndex === removedLeaf)
    if (!leaf) return
    if (!(await this.#gone(leaf.userId))) {
      this.#d.emit('error', { where: `the server proposed removing ${leaf.userId}, who still has devices: refused`, error: new CandorError('forbidden', 'not a gone person') })
      return
    }
    // MLS checks it (the external sender's signature, the group, the epoch) on a copy of the state.
    try {
      await processIncoming(this.#d.suites, c.state, f.payload)
    } catch (error) {
      this.#d.emit('error', { where: `a server proposal in ${f.groupId} was refused`, error })
      return
    }
    const held = await this.#held(f.groupId)
    const at = held && held.epoch === Number(epoch) ? held : { epoch: Number(epoch), proposals: [] }
    const b64 = toBase64Url(f.payload)
    if (!at.proposals.includes(b64)) at.proposals.push(b64)
    await this.#d.store.put(HELD + f.groupId, JSON.stringify(at))
    this.#schedule(f.groupId, c.state, removedLeaf)
  }

  /** Whether the key directory shows the person with no device (or no entry) now. */
  async #gone(userId: string): Promise<boolean> {
    try {
      return (await this.#d.directory.devices(userId, true)).length === 0
    } catch (e) {
      if (e instanceof CandorError && e.code === 'unknown_user') return true
      throw e
    }
  }

  async #held(groupId: string): Promise<Held | undefined> {
    const raw = await this.#d.store.get(HELD + groupId)
    return raw ? (JSON.parse(raw) as Held) : undefined
  }

  async drop(groupId: string): Promise<void> {
    await this.#d.store.delete(HELD + groupId)
  }

  /** `state` with this epoch's held server proposals applied (pending, for a commit to take by reference). */
  async withHeld(groupId: string, state: GroupState): Promise<GroupState> {
    const held = await this.#held(groupId)
    if (!held) return state
    if (held.epoch !== epochOf(state)) {
      if (held.epoch < epochOf(state)) await this.#d.store.delete(HELD + groupId)
      return state
    }
    let s = state
    for (const p of held.proposals) s = (await processIncoming(this.#d.suites, s, fromBase64Url(p)!)).state
    return s
  }

  #schedule(groupId: string, state: GroupState, removedLeaf: number): void {
    const removing = new Set([removedLeaf])
    const staying = leaves(state).filter((l) => !removing.has(l.leafIndex))
    const rank = staying.findIndex((l) => l.leafIndex === ownLeafIndex(state))
    if (rank < 0) return
    const epoch = epochOf(state)
    setTimeout(() => void this.#commit(groupId, epoch), rank * RANK_DELAY_MS)
  }

  async #commit(groupId: string, epoch: number): Promise<void> {
    const c = this.#d.conversations.get(groupId)
    if (!c || c.meta.status !== 'active' || epochOf(c.state) !== epoch) return
    const before = new Set(leaves(c.state).map((l) => l.userId))
    try {
      if (!(await this.#d.commitHeld(groupId))) return
      const after = this.#d.conversations.get(groupId)
      if (!after) return
      const now = new Set(leaves(after.state).map((l) => l.userId))
      const removed = [...before].filter((u) => !now.has(u))
      if (removed.length > 0) await this.#d.membersChanged(groupId, removed)
    } catch (error) {
      this.#d.emit('error', { where: 'committing the server proposal', error })
    }
  }
}
