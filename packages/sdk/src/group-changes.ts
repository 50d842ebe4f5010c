// Changing who is in a group: claiming key packages (only devices the key directory proves),
// and committing adds and removals. The server accepts one commit per epoch; when it says the
// group moved on, this waits until the device has processed the newer epoch and rebuilds.
import { CandorError, LIMITS, encodeHandshakeAad, fromBase64Url, newMessageId, toBase64Url } from '@candor/protocol'
import { PQ_SUITE, commitChanges, decodeKeyPackage, epochOf, groupSuiteName, leaves, suiteId, type GroupState, type KeyPackage, type MlsSuites, type SuiteName } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client.ts'
import type { Conversation, Conversations } from './conversations.ts'
import type { DeviceDirectory } from './directory.ts'
import type { PendingCommits } from './pending-commits.ts'
import type { SerialLock } from './serial-lock.ts'

const COMMIT_ATTEMPTS = 6

export interface Claimed {
  deviceId: string
  keyPackage: KeyPackage
}

/** `update`: commit even with nothing to add or remove — a path update of this device's own leaf. */
export type CommitPlan = (c: Conversation) => Promise<{ add: Claimed[]; removeDevices: string[]; update?: boolean }>

export interface GroupChangeDeps {
  api: ApiClient
  suites: MlsSuites
  directory: DeviceDirectory
  conversations: Conversations
  /** The lock that serialises every change to this device's MLS states. */
  lock: SerialLock
  userId: string
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** Resolves when every delivery received so far has been processed. */
  idle(): Promise<void>
  /** Commits kept aside until the server's answer is known (pending-commits.ts). */
  pending: PendingCommits
  /** The state with the server's held proposals applied, for every commit to take (server-removals.ts). */
  withHeld?: (groupId: string, state: GroupState) => Promise<GroupState>
  /** Forgets the held proposals of a group (the server no longer resolves them: the person came back). */
  dropHeld?: (groupId: string) => Promise<void>
  /**
   * Resets a group the server holds no public state of (made before it validated commits,
   * docs/protocol.md §5.4 "A group without public state"), leaving nobody out; the new group's id.
   */
  resetUnvalidated?: (groupId: string) => Promise<string>
}

/** The server's answer to a commit of a group it holds no public state of (§5.4). */
export function noPublicState(e: unknown): boolean {
  return e instanceof CandorError && e.code === 'conflict' && e.details?.['publicState'] === 'missing'
}

export class GroupChanges {
  readonly #d: GroupChangeDeps

  constructor(deps: GroupChangeDeps) {
    this.#d = deps
  }

  /** The conversation, if this device is still in it. */
  active(conversation: string): Conversation {
    const c = this.#d.conversations.get(conversation)
    if (!c) throw new CandorError('unknown_group', 'no such conversation on this device')
    if (c.meta.status !== 'active') throw new CandorError('not_member', `you are no longer in this conversation (${c.meta.status})`)
    return c
  }

  /** One key package of `suite` per device of each user, proven by the directory (own other devices optional). */
  async claim(userIds: readonly string[], includeOwn: boolean, suite: SuiteName): Promise<Claimed[]> {
    return (await this.claimAll(userIds, includeOwn, suite)).claimed
  }

  /** As claim(), and which active devices had no package of `suite` (docs/protocol.md §4.5). */
  async claimAll(userIds: readonly string[], includeOwn: boolean, suite: SuiteName): Promise<{ claimed: Claimed[]; missing: string[] }> {
    const out: Claimed[] = []
    const missing: string[] = []
    for (const u of new Set(userIds)) {
      try {
        const answer = await this.#d.api.claimKeyPackages(u, undefined, suiteId(suite))
        const { keyPackages } = answer
        missing.push(...(answer.missing ?? []))
        for (const k of keyPackages) {
          const keyPackage = decodeKeyPackage(fromBase64Url(k.keyPackage)!)
          if (await this.#proven(u, k.deviceId, keyPackage)) out.push({ deviceId: k.deviceId, keyPackage })
        }
        if (u !== this.#d.userId && !out.some((k) => keyPackages.some((c) => c.deviceId === k.deviceId))) {
          throw new CandorError('directory_proof_invalid', `none of ${u}'s devices is proven by the key directory`)
        }
      } catch (e) {
        // This user's other devices are optional (there may be none); anyone else must be reachable.
        if (!(includeOwn && u === this.#d.userId && e instanceof CandorError && e.code === 'no_key_package')) throw e
      }
    }
    return { claimed: out, missing }
  }

  /** Only devices the key directory proves are added; anything else is refused and reported. */
  async #proven(userId: string, deviceId: string, kp: KeyPackage): Promise<boolean> {
    const key = await this.#d.directory.keyOf(userId, deviceId)
    if (key && toBase64Url(key) === toBase64Url(kp.leafNode.signaturePublicKey)) return true
    this.#d.emit('alert', { kind: 'unverified_device', userId, deviceId })
    return false
  }

  /** One key package of each of these devices of a user that has one and the key directory proves. */
  async claimDevices(userId: string, deviceIds: string[], suite: SuiteName): Promise<Claimed[]> {
    const { keyPackages } = await this.#d.api.claimKeyPackages(userId, deviceIds, suiteId(suite))
    const add: Claimed[] = []
    for (const k of keyPackages) {
      const keyPackage = decodeKeyPackage(fromBase64Url(k.keyPackage)!)
      if (await this.#proven(userId, k.deviceId, keyPackage)) add.push({ deviceId: k.deviceId, keyPackage })
    }
    return add
  }

  /** Adds these devices of a user (e.g. one just approved) to a conversation. */
  async addDevices(conversation: string, userId: string, deviceIds: string[]): Promise<void> {
    const add = await this.claimDevices(userId, deviceIds, this.suiteOf(conversation))
    await this.commitAdds(conversation, add)
  }

  /** The suite of a conversation's group on this device. */
  suiteOf(conversation: string): SuiteName {
    return groupSuiteName(this.active(conversation).state)
  }

  /**
   * Adds these devices (those not in already) by as many commits as the group's suite needs: a
   * post-quantum group takes at most LIMITS.pqAddsPerCommit per commit (docs/protocol.md §5.0),
   * so each commit, its Welcome and GroupInfo stay within the handshake limits. True if any
   * commit was made.
   */
  async commitAdds(conversation: string, claimed: readonly Claimed[]): Promise<boolean> {
    this.assertAddFits(conversation, claimed)
    const per = this.suiteOf(conversation) === PQ_SUITE ? LIMITS.pqAddsPerCommit : LIMITS.groupMembers
    let committed = false
    // The group may change under the batches: a group without public state is reset first (§5.4).
    let group = conversation
    for (let i = 0; i < claimed.length; i += per) {
      const batch = claimed.slice(i, i + per)
      const r = await this.#commitIn(group, async (c) => {
        const present = new Set(leaves(c.state).map((l) => l.deviceId))
        return { add: batch.filter((k) => !present.has(k.deviceId)), removeDevices: [] }
      })
      group = r.group
      committed = r.committed || committed
    }
    return committed
  }

  /**
   * Refuses, before anything is sent, an add that would take a post-quantum group past
   * LIMITS.pqGroupMembers devices (docs/protocol.md §5.0). The whole add is judged at once: it
   * is split into commits of at most LIMITS.pqAddsPerCommit, and judged commit by commit the
   * first ones would go in before a later one was refused. Counted: every claimed device not in
   * the group, and at least one device for each of `users` not in it yet (each brings one, or
   * cannot be added) — so an add too large by its people alone is refused before their key
   * packages are claimed (and spent).
   */
  assertAddFits(conversation: string, claimed: readonly Claimed[], users: readonly string[] = []): void {
    const c = this.active(conversation)
    if (groupSuiteName(c.state) !== PQ_SUITE) return
    const inGroup = leaves(c.state)
    const present = new Set(inGroup.map((l) => l.deviceId))
    const added = new Set(claimed.map((k) => k.deviceId).filter((d) => !present.has(d)))
    const people = new Set(inGroup.map((l) => l.userId))
    const newPeople = new Set(users.filter((u) => u !== this.#d.userId && !people.has(u)))
    // Each new person's devices are among the claimed ones once claimed: the larger count is the better bound.
    if (present.size + Math.max(added.size, newPeople.size) > LIMITS.pqGroupMembers) {
      throw new CandorError('forbidden', `a post-quantum group has at most ${LIMITS.pqGroupMembers} devices`)
    }
  }

  /**
   * Settles this device's own earlier commit to the conversation whose answer it never had
   * (pending-commits.ts), so nothing is sent or committed on a state the group left. Call it
   * under the MLS lock.
   */
  async settlePending(conversation: string): Promise<void> {
    await this.#d.pending.settle(conversation)
  }

  /**
   * Builds and posts a commit; on stale_epoch catches up and rebuilds on the newer epoch. True
   * when this device's commit was accepted, false when there was nothing to commit.
   */
  async commit(conversation: string, plan: CommitPlan): Promise<boolean> {
    return (await this.#commitIn(conversation, plan)).committed
  }

  /**
   * commit(), also saying in which group: the server holds no public state of a group made
   * before it validated commits, and refuses its commits (`conflict`, details.publicState
   * `missing`); such a group is reset once (leaving nobody out, docs/protocol.md §5.4) and the
   * plan committed in the new group.
   */
  async #commitIn(conversation: string, plan: CommitPlan): Promise<{ committed: boolean; group: string }> {
    let group = conversation
    let reset = false
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      let outcome
      try {
        outcome = await this.#attempt(group, plan)
      } catch (e) {
        if (reset || !this.#d.resetUnvalidated || !noPublicState(e)) throw e
        reset = true
        group = await this.#d.resetUnvalidated(group)
        attempt--
        continue
      }
      if (outcome.done) return { committed: outcome.committed, group }
      await this.#waitForEpoch(group, outcome.epoch)
    }
    throw new CandorError('stale_epoch', 'could not commit: the group kept moving on')
  }

  /** One try at a commit, under the MLS lock: done, or the epoch the group moved on to. */
  #attempt(conversation: string, plan: CommitPlan): Promise<{ done: true; committed: boolean } | { done: false; epoch: number }> {
    const { lock } = this.#d
    return lock.run(async () => {
      await this.settlePending(conversation)
      const current = this.active(conversation)
      const c = this.#d.withHeld ? { ...current, state: await this.#d.withHeld(conversation, current.state) } : current
      const { add, removeDevices, update } = await plan(c)
      const remove = new Set(removeDevices)
      // A leaf a held server proposal removes already is not removed twice.
      const heldRemovals = new Set(Object.values(c.state.unappliedProposals).flatMap((p) => (p.proposal.proposalType === 'remove' ? [p.proposal.remove.removed] : [])))
      const removeLeaves = leaves(c.state).filter((l) => remove.has(l.deviceId) && !heldRemovals.has(l.leafIndex))
      const held = Object.keys(c.state.unappliedProposals).length > 0
      if (add.length === 0 && removeLeaves.length === 0 && !held && update !== true) return { done: true as const, committed: false }
      // Refused here, before anything is sent, rather than by the server (docs/protocol.md §5.0).
      if (groupSuiteName(c.state) === PQ_SUITE && leaves(c.state).length - removeLeaves.length + add.length > LIMITS.pqGroupMembers) {
        throw new CandorError('forbidden', `a post-quantum group has at most ${LIMITS.pqGroupMembers} devices`)
      }
      const epoch = epochOf(c.state)
      // Names the checkpoint the added devices were proven at, for members to judge them by (§5.1).
      const authenticatedData = encodeHandshakeAad({ v: 1, directory: await this.#d.directory.checkpoint() })
      const out = await commitChanges(this.#d.suites, c.state, add.map((a) => a.keyPackage), removeLeaves.map((l) => l.leafIndex), { authenticatedData })
      // Kept before it is posted, saved once accepted (pending-commits.ts).
      let posted
      try {
        posted = await this.#d.pending.post(
          conversation,
          epoch,
          {
            messageId: newMessageId(),
            commit: toBase64Url(out.commit),
            groupInfo: toBase64Url(out.groupInfo),
            ...(out.welcome ? { welcome: toBase64Url(out.welcome) } : {}),
          },
          out.state,
        )
      } catch (e) {
        // The server no longer proposes what this device held (the person has a device again):
        // forget it and build the commit again without it.
        if (held && this.#d.dropHeld && e instanceof CandorError && e.code === 'invalid_mls_message' && /by reference/.test(e.message)) {
          await this.#d.dropHeld(conversation)
          return { done: false as const, epoch }
        }
        throw e
      }
      if (!posted.accepted) return { done: false as const, epoch: posted.epoch }
      this.#d.emit('conversation', { id: conversation, change: 'members' })
      return { done: true as const, committed: true }
    })
  }

  async #waitForEpoch(conversation: string, epoch: number, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs
    while (this.#d.conversations.epoch(conversation) < epoch && Date.now() < until) {
      await this.#d.idle()
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}
