// The stuck committer. A device that commits cannot process its own commit later: the new
// group state exists only on the device that made it. If the device crashed after the server
// accepted the commit and before it saved that state, or lost the server's answer, it would
// be an epoch behind for good. So the state the commit leads to is kept in the device's store
// (with the commit's message id and the epoch it was made in) BEFORE the commit is posted,
// saved as the group's state and dropped once the server accepts; and whenever a pending one
// is found — on connecting, before sending or committing in its group, when a delivery of
// its group arrives, when the post's answer was lost — the device settles it: it adopts the
// state if its commit took that epoch (the server says so, or the commit itself comes back in
// its queue), and drops it otherwise (another commit took the epoch: that one is in the queue).
//
// Every method that touches MLS state runs under the MLS lock (the caller's).
import { CandorError, type CommitRequest } from '@candor/protocol'
import { epochOf, loadState, saveState, type GroupState, type MlsConfig } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import { isTransient } from './delivery-failure.ts'
import type { LocalStore } from './local-store.ts'

const PREFIX = 'pending-commit/'
/** Posts of one commit whose answer was lost, before the device leaves it to be settled later. */
const POST_ATTEMPTS = 3
const POST_RETRY_MS = 500

interface PendingCommit {
  groupId: string
  /** The epoch the commit was made in; accepted, it makes epoch + 1. */
  epoch: number
  messageId: string
  /** The group state the commit leads to (saveState). */
  state: string
}

export interface PendingCommitDeps {
  store: LocalStore
  api: ApiClient
  conversations: Conversations
  config: MlsConfig
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export type PostOutcome = { accepted: true } | { accepted: false; epoch: number }

export class PendingCommits {
  readonly #d: PendingCommitDeps
  readonly #pending = new Map<string, PendingCommit>()

  constructor(deps: PendingCommitDeps) {
    this.#d = deps
  }

  async load(): Promise<void> {
    for (const key of await this.#d.store.keys(PREFIX)) {
      const raw = await this.#d.store.get(key)
      if (raw) this.#pending.set(key.slice(PREFIX.length), JSON.parse(raw) as PendingCommit)
    }
  }

  has(groupId: string): boolean {
    return this.#pending.has(groupId)
  }

  /** True when this delivery is the device's own pending commit, come back through its queue. */
  isOwn(groupId: string, messageId: string): boolean {
    return this.#pending.get(groupId)?.messageId === messageId
  }

  /**
   * Keeps the commit's resulting state, then posts the commit; on acceptance (told by the
   * server, or learnt after a lost answer) saves that state as the group's. A lost answer is
   * posted again (same message id: the server accepts it at most once); if the server cannot
   * be reached, the pending state stays for a later settle() and this throws.
   */
  async post(groupId: string, epoch: number, body: CommitRequest & { messageId: string }, state: GroupState): Promise<PostOutcome> {
    const p: PendingCommit = { groupId, epoch, messageId: body.messageId, state: saveState(state) }
    await this.#d.store.put(PREFIX + groupId, JSON.stringify(p))
    this.#pending.set(groupId, p)
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#d.api.commit(groupId, body)
        await this.#adopt(p, state)
        return { accepted: true }
      } catch (e) {
        if (e instanceof CandorError && e.code === 'stale_epoch') {
          // Refused — unless the refusal answers a repeat of a commit that was accepted.
          if ((await this.#acceptedCommit(p)) === p.messageId) {
            await this.#adopt(p, state)
            return { accepted: true }
          }
          await this.#drop(p)
          return { accepted: false, epoch: Number(e.details?.epoch) }
        }
        if (!isTransient(e)) {
          await this.#drop(p)
          throw e
        }
        if (attempt >= POST_ATTEMPTS) throw e
        await new Promise((r) => setTimeout(r, POST_RETRY_MS * attempt))
      }
    }
  }

  /**
   * Settles the group's pending commit, if any: adopts its state when the commit took its
   * epoch (`accepted`: the caller already knows, e.g. the commit came back in the queue), else
   * drops it. Throws a transient error when the server cannot say.
   */
  async settle(groupId: string, accepted?: true): Promise<void> {
    const p = this.#pending.get(groupId)
    if (!p) return
    const c = this.#d.conversations.get(groupId)
    // Saved already (the device stopped between saving and dropping it), or no longer in the group.
    if (!c || c.meta.status !== 'active' || epochOf(c.state) !== p.epoch) return this.#drop(p)
    if (accepted || (await this.#acceptedCommit(p)) === p.messageId) {
      await this.#adopt(p, loadState(p.state, this.#d.config))
      this.#d.emit('conversation', { id: groupId, change: 'members' })
    } else {
      await this.#drop(p)
    }
  }

  /** Settles every pending commit (on connecting); those the server cannot answer for now stay. */
  async settleAll(): Promise<void> {
    for (const groupId of [...this.#pending.keys()]) {
      try {
        await this.settle(groupId)
      } catch (error) {
        this.#d.emit('error', { where: `asking whether this device's commit to ${groupId} was accepted (kept, to be asked again)`, error })
      }
    }
  }

  /**
   * Which commit took the pending one's epoch. A refusal to say (this device is no longer a
   * member, the group is gone) means it is not this device's to adopt: null. Thrown: the server
   * could not be asked.
   */
  async #acceptedCommit(p: PendingCommit): Promise<string | null> {
    try {
      return await this.#d.api.acceptedCommit(p.groupId, p.epoch)
    } catch (e) {
      if (isTransient(e)) throw e
      return null
    }
  }

  async #adopt(p: PendingCommit, state: GroupState): Promise<void> {
    await this.#d.conversations.save(p.groupId, state)
    await this.#drop(p)
  }

  async #drop(p: PendingCommit): Promise<void> {
    await this.#d.store.delete(PREFIX + p.groupId)
    if (this.#pending.get(p.groupId) === p) this.#pending.delete(p.groupId)
  }
}
