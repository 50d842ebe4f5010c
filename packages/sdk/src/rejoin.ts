// A member that cannot follow its group any more rejoins it by an external commit (docs/protocol.md
// §5.2, §5.3): it is behind (it missed or could not process a commit the others processed; its
// state was restored from an old backup), so it takes the group's latest GroupInfo from the
// server, judges every credential in that GroupInfo's tree against the key directory as it is now
// (as a joiner judges a Welcome's tree it has no checkpoint for: the server's tree is never taken
// on trust), and posts a commit that removes its own old leaf and adds itself (resync). The other
// members process it as any commit. Where that fails — the GroupInfo does not check out, the server
// refuses, or the group keeps moving on — the caller falls back to reporting (recovery.ts).
import { CandorError, fromBase64Url, newMessageId, toBase64Url } from '@candor/protocol'
import { epochOf, groupSuiteName, joinByExternalCommit, loadPublicGroup, type MlsConfig, type MlsSuites } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client-types.ts'
import { isTransient } from './delivery-failure.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import type { KeyPackages } from './key-packages.ts'
import type { SerialLock } from './serial-lock.ts'

/** Tries at one rejoin when another commit got in first (`stale_epoch`): the GroupInfo is fetched again each time. */
export const REJOIN_TRIES = 3
/** After a rejoin of a group failed, how long later messages of that group do not start another by themselves. */
export const REJOIN_PAUSE_MS = 60_000
/** Posts of one external commit whose answer was lost before the rejoin gives up (and is tried again later). */
const LOST_ANSWER_POSTS = 3
const LOST_ANSWER_RETRY_MS = 500

export const REJOINED_TEXT = 'You rejoined the conversation; messages sent while you could not read may be missing.'

export interface RejoinDeps {
  api: ApiClient
  suites: MlsSuites
  /** The client's config: its authentication service judges credentials against the directory as it is now. */
  config: MlsConfig
  lock: SerialLock
  me: { userId: string; deviceId: string }
  conversations: Conversations
  keyPackages: KeyPackages
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export class Rejoin {
  readonly #d: RejoinDeps
  /** Groups with a rejoin under way (one at a time per group; later triggers share it). */
  readonly #running = new Map<string, Promise<boolean>>()
  /** Group → when its last rejoin failed (cleared by a success). */
  readonly #failedAt = new Map<string, number>()

  constructor(deps: RejoinDeps) {
    this.#d = deps
  }

  /**
   * Rejoins the group by an external commit; true once the new state is saved. False when it
   * cannot (the reason is emitted as an error): the caller reports instead. Takes the MLS lock.
   * `atLeast`: the epoch of the message that showed this device is behind; a GroupInfo older
   * than that is not the group's latest, and is refused. `automatic`: started by a message this
   * device could not process; within REJOIN_PAUSE_MS of a failed rejoin of the group it is not
   * tried again (every later message would ask the server once more).
   */
  rejoin(groupId: string, atLeast = 0, automatic = false): Promise<boolean> {
    let run = this.#running.get(groupId)
    if (!run) {
      if (automatic && Date.now() - (this.#failedAt.get(groupId) ?? -Infinity) < REJOIN_PAUSE_MS) return Promise.resolve(false)
      run = this.#d.lock
        .run(() => this.#rejoin(groupId, atLeast))
        .catch((error: unknown) => {
          this.#d.emit('error', { where: `rejoining conversation ${groupId} by an external commit`, error })
          return false
        })
        .then((ok) => {
          if (ok) this.#failedAt.delete(groupId)
          else this.#failedAt.set(groupId, Date.now())
          return ok
        })
      run.finally(() => this.#running.delete(groupId)).catch(() => undefined)
      this.#running.set(groupId, run)
    }
    return run
  }

  async #rejoin(groupId: string, atLeast: number): Promise<boolean> {
    const { api, conversations, keyPackages } = this.#d
    const before = conversations.get(groupId)
    if (!before || before.meta.status !== 'active') return false
    for (let attempt = 1; ; attempt++) {
      const bytes = fromBase64Url((await api.groupInfo(groupId)).groupInfo)
      if (!bytes) throw new CandorError('invalid_mls_message', "the server's GroupInfo is not base64url")
      // What the GroupInfo itself says, not the answer around it (its signature is checked by the join).
      const context = loadPublicGroup(bytes).groupContext
      if (toBase64Url(context.groupId) !== groupId) throw new CandorError('invalid_mls_message', "the server's GroupInfo is for another group")
      const epoch = Number(context.epoch)
      const own = epochOf(conversations.get(groupId)!.state)
      if (epoch < atLeast) throw new CandorError('invalid_mls_message', `the server's GroupInfo (epoch ${epoch}) is older than the group's messages (epoch ${atLeast})`)
      // Already where the group is (another trigger's rejoin did it, or nothing was missed).
      if (epoch <= own) return true
      const [kp] = await keyPackages.generate(1, false, groupSuiteName(conversations.get(groupId)!.state))
      let joined
      try {
        // The config's authentication service judges every leaf of the server's tree (and the
        // GroupInfo's signer) against the directory; a key it does not prove refuses the join.
        joined = await joinByExternalCommit(this.#d.suites, this.#d.config, bytes, kp!, { resync: true })
      } finally {
        await keyPackages.consumed(kp!)
      }
      const body = { messageId: newMessageId(), commit: toBase64Url(joined.commit), groupInfo: toBase64Url(joined.groupInfo) }
      if (!(await this.#post(groupId, epoch, body))) {
        if (attempt < REJOIN_TRIES) continue
        throw new CandorError('stale_epoch', `other commits kept taking the epoch of conversation ${groupId} before this device's rejoin (${REJOIN_TRIES} tries)`)
      }
      await conversations.save(groupId, joined.state)
      await this.#record(groupId)
      this.#d.emit('conversation', { id: conversations.conversationOf(groupId), change: 'rejoined' })
      return true
    }
  }

  /**
   * Posts the external commit made at `epoch`; true once it took that epoch, false when another
   * commit did. A lost answer (the server may have accepted it, the device never heard) is not
   * taken as a failure: the device asks which commit took the epoch — its own: the rejoin
   * stands; another: it tries again on the newer GroupInfo; none yet: it posts the same commit
   * again (same message id, accepted at most once). Without that a device whose rejoin was
   * accepted would keep its old state, its old leaf gone from the tree, and stay behind.
   */
  async #post(groupId: string, epoch: number, body: { messageId: string; commit: string; groupInfo: string }): Promise<boolean> {
    const { api } = this.#d
    const tookIt = async (): Promise<boolean | undefined> => {
      const id = await api.acceptedCommit(groupId, epoch)
      return id === null ? undefined : id === body.messageId
    }
    for (let post = 1; ; post++) {
      let failure: unknown
      try {
        await api.externalCommit(groupId, body)
        return true
      } catch (e) {
        if (e instanceof CandorError && e.code === 'stale_epoch') return (await tookIt()) === true
        if (!isTransient(e)) throw e
        failure = e
      }
      try {
        const took = await tookIt()
        if (took !== undefined) return took
      } catch (e) {
        if (!isTransient(e)) throw e
      }
      if (post >= LOST_ANSWER_POSTS) throw failure
      await new Promise((r) => setTimeout(r, LOST_ANSWER_RETRY_MS * post))
    }
  }

  async #record(groupId: string): Promise<void> {
    const { conversations, me } = this.#d
    const now = Date.now()
    const record: MessageRecord = {
      id: newMessageId(),
      conversation: conversations.conversationOf(groupId),
      from: me.userId,
      fromDevice: me.deviceId,
      text: REJOINED_TEXT,
      sentAt: now,
      receivedAt: now,
      direction: 'out',
      kind: 'rejoined',
    }
    if (await conversations.record(record)) this.#d.emit('message', record)
  }
}
