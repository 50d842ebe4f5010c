// A group a member cannot follow (docs/protocol.md §5.3, §5.4). A commit this device can never
// process (a junk commit, a wrong confirmation tag) is reported to the server, signed, and the
// conversation is reset: a new MLS group under the same conversation, with everyone but the
// committer, announced by a `reset` content in the new group and in the old one (so whoever was
// left out sees it too, and anyone can add them back).
//
// Who resets: every member that fails the commit ranks itself among the old group's leaves
// without the committer (leaf order: the same for all of them) and waits rank × RESET_STEP_MS
// plus a little jitter. Each member's wait starts at its own failure, so turns overlap (a member
// that got the commit a second late takes its turn a second late); and the winner's `reset`
// content reaches the others only seconds after the server recorded the reset. So when its turn
// comes, a member asks the server whether the group was reset already and stands back if so
// (the server's `conflict` still decides a race), and claims key packages only once the server
// recorded its own reset: a lost race claims nothing. The others join the new group from its
// Welcome. If the first cannot (offline, over its budget), the next one does, a step later; a
// member refused for its reset budget skips its turns until the budget refills.
import { UNVALIDATED_RESET_REASON } from './unvalidated-reset.ts'
import {
  CandorError,
  fromBase64Url,
  newGroupId,
  newMessageId,
  relayedReport,
  reportStatement,
  toBase64Url,
  type DeliverFrame,
  type GroupResetsResponse,
  type MessageId,
  type ResetContent,
} from '@candor/protocol'
import { epochOf, groupInfoForExternalJoin, groupSuiteName, leaves, messageEpoch, signDetached, startGroup, verifyDetached, type Leaf, type MlsConfig, type MlsSuite, type MlsSuites, type ServerSender, type SuiteName } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord, ResetNotice } from './message-record.ts'
import { isTransient, type UndecryptableReason } from './delivery-failure.ts'
import type { Claimed, GroupChanges } from './group-changes.ts'
import { claimForReset } from './reset-claims.ts'
import type { KeyPackages } from './key-packages.ts'
import type { Rejoin } from './rejoin.ts'
import type { Outgoing } from './message-content.ts'
import type { SerialLock } from './serial-lock.ts'

/** How long each member waits per rank before it resets in place of those before it. */
export const RESET_STEP_MS = 400
const RESET_JITTER_MS = 150

export interface RecoveryDeps {
  api: ApiClient
  /** The server as the new group's external sender (server-removals.ts), when it offers one the pinned key vouches for. */
  serverSender?: () => Promise<ServerSender | null>
  suites: MlsSuites
  config: MlsConfig
  lock: SerialLock
  me: { userId: string; deviceId: string; secretKey: Uint8Array }
  conversations: Conversations
  groups: GroupChanges
  keyPackages: KeyPackages
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** Rejoins a group this device fell behind in, by an external commit (rejoin.ts). */
  rejoin: Rejoin
  /** Sends a content into an MLS group (takes the MLS lock itself), under this delivery id if given. */
  send(groupId: string, content: Outgoing, messageId?: MessageId): Promise<number>
}

/** A member's signed report, as this device checked it (docs/protocol.md §5.3). */
export interface MemberReport {
  groupId: string
  reporter: { userId: string; deviceId: string }
  epoch: number
  committer: string
  messageId: string
  reason: UndecryptableReason
}

/** How long a `rate_limited` refusal says to wait (its `details.retryAfterMs`; a step of the server's default refill if it names none). */
function retryAfter(e: CandorError): number {
  const ms = e.details?.['retryAfterMs']
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 60_000
}

/**
 * The group's member devices by id, read once per ratchet tree: a reset brings one report from
 * every member, and reading every leaf's credential for each (50 × 50 in a group of 50) was a
 * large part of a device's work in a reset. A tree that changes is a new object (ts-mls does
 * not modify a state's tree in place), so it is read again.
 */
const byTree = new WeakMap<object, Map<string, Leaf>>()
function leavesByDevice(state: Parameters<typeof leaves>[0]): Map<string, Leaf> {
  let m = byTree.get(state.ratchetTree)
  if (!m) {
    m = new Map(leaves(state).map((l) => [l.deviceId, l]))
    byTree.set(state.ratchetTree, m)
  }
  return m
}

/**
 * The timeline line of a reset. A reset because the server held no public state of the group
 * (§5.4 "A group without public state") says so instead of "you may have missed messages": it
 * follows no failed commit, and every message sent meanwhile is sent again in the new group. It
 * is the resetter's word, like every reason; whom it left out is always named.
 */
export function resetText(who: string, leftOut: ReadonlyArray<{ userId: string }>, reason?: string): string {
  const out = [...new Set(leftOut.map((l) => l.userId))]
  const head = reason === UNVALIDATED_RESET_REASON ? `${who} reset the conversation so that the server checks its changes (it was made before the server did).` : `${who} reset the conversation; you may have missed messages.`
  return `${head}${out.length > 0 ? ` Left out: ${out.join(', ')} (anyone can add them back).` : ''}`
}

export class Recovery {
  readonly #d: RecoveryDeps
  /** Groups with a reset waiting for this device's turn. */
  readonly #waiting = new Set<string>()
  /**
   * `${group}@${epoch}`: a commit made at this device's epoch failed here (the committer's fault,
   * a reset is coming). Messages of the epoch that commit made do not make this device rejoin:
   * it would join the group the faulty commit left behind.
   */
  readonly #faulty = new Set<string>()
  /** Conversation → when this device's reset budget there refills (it was refused `rate_limited`): it skips its turns until then. */
  readonly #budgetSpent = new Map<string, number>()

  constructor(deps: RecoveryDeps) {
    this.#d = deps
  }

  /**
   * A commit delivery this device can never process. Called under the MLS lock: reports it
   * and, when the commit was made at this device's epoch (the committer's fault, not this
   * device being behind), takes its turn to reset. Both run after the lock is released.
   */
  commitFailed(f: DeliverFrame, reason: UndecryptableReason): void {
    const c = this.#d.conversations.get(f.groupId)
    if (!c || c.meta.status !== 'active') return
    const epoch = epochOf(c.state)
    const at = messageEpoch(f.payload)
    // This device is behind (the others are at the commit's epoch): it rejoins by an external
    // commit, and reports only if it cannot (§5.3).
    if (at !== null && at > epoch && !this.#faulty.has(`${f.groupId}@${epoch}`)) {
      setTimeout(() => void this.#rejoinOrReport(f, epoch, at, reason), 0)
      return
    }
    setTimeout(() => void this.#report(f.groupId, epoch, f.sender, f.messageId, reason), 0)
    if (at !== null && at !== epoch) return
    this.#faulty.add(`${f.groupId}@${epoch}`)
    const order = leaves(c.state)
      .filter((l) => l.deviceId !== f.sender)
      .sort((a, b) => a.leafIndex - b.leafIndex)
    const rank = order.findIndex((l) => l.deviceId === this.#d.me.deviceId)
    if (rank < 0 || this.#waiting.has(f.groupId)) return
    this.#waiting.add(f.groupId)
    const committer = leaves(c.state).find((l) => l.deviceId === f.sender)
    const why = `a commit by ${committer?.userId ?? `device ${f.sender}`} at epoch ${epoch} could not be processed`
    setTimeout(() => void this.#resetInTurn(f.groupId, epoch, f.sender, why), rank * RESET_STEP_MS + Math.random() * RESET_JITTER_MS)
  }

  /**
   * An application message from an epoch this device has not reached: it is behind, and
   * rejoins (the message itself stays shown as undecryptable). Called under the MLS lock.
   */
  behind(f: DeliverFrame): void {
    const c = this.#d.conversations.get(f.groupId)
    const at = messageEpoch(f.payload)
    if (!c || c.meta.status !== 'active' || at === null || at <= epochOf(c.state) || this.#faulty.has(`${f.groupId}@${epochOf(c.state)}`)) return
    setTimeout(() => void this.#d.rejoin.rejoin(f.groupId, at, true), 0)
  }

  async #rejoinOrReport(f: DeliverFrame, epoch: number, at: number, reason: UndecryptableReason): Promise<void> {
    if (await this.#d.rejoin.rejoin(f.groupId, at, true)) return
    await this.#report(f.groupId, epoch, f.sender, f.messageId, reason)
  }

  async #report(groupId: string, epoch: number, committer: string, messageId: string, reason: UndecryptableReason): Promise<void> {
    const signature = toBase64Url(signDetached(this.#d.me.secretKey, reportStatement(groupId, epoch, committer, messageId, reason)))
    try {
      await this.#d.api.report(groupId, { epoch, committer, messageId, reason, signature })
    } catch (error) {
      this.#d.emit('error', { where: `reporting commit ${messageId} that could not be processed`, error })
    }
  }

  async #resetInTurn(groupId: string, epoch: number, committer: string, reason: string): Promise<void> {
    try {
      const c = this.#d.conversations.get(groupId)
      // Someone reset it already (its `reset` content arrived), or the group moved on.
      if (!c || c.meta.status !== 'active' || epochOf(c.state) !== epoch) return
      // Refused for its budget in this conversation: the next member resets in its place.
      if ((this.#budgetSpent.get(this.#d.conversations.conversationOf(groupId)) ?? 0) > Date.now()) return
      if (await this.#resetOnServer(groupId)) return
      await this.reset(groupId, [committer], reason)
    } catch (error) {
      // Another member won (`conflict`): its Welcome and `reset` content are on their way.
      if (error instanceof CandorError && error.code === 'conflict') return
      // This device moved to the new group (and left this one) while it asked.
      if (error instanceof CandorError && error.code === 'not_member' && this.#d.conversations.get(groupId)?.meta.status === 'reset') return
      this.#d.emit('error', { where: `resetting the conversation after a commit that could not be processed`, error })
    } finally {
      this.#waiting.delete(groupId)
    }
  }

  /**
   * Whether the server recorded a reset of this group already (the winner's `reset` content may
   * be seconds away). A transient failure to ask is not an answer: the reset is tried, and the
   * server's `conflict` decides.
   */
  async #resetOnServer(groupId: string): Promise<boolean> {
    try {
      return (await this.#d.api.groupResets(groupId)).to !== null
    } catch (e) {
      if (isTransient(e)) return false
      throw e
    }
  }

  /**
   * Resets the conversation of this MLS group onto a new group with every member device but
   * `leaveOut` (devices), and announces it; returns the new group's id.
   */
  async reset(groupId: string, leaveOut: readonly string[], reason: string): Promise<string> {
    const { api, conversations, groups, lock, me } = this.#d
    const c = groups.active(groupId)
    const conversation = conversations.conversationOf(groupId)
    const everyone = leaves(c.state)
    const newGroup = newGroupId()
    const out = new Set(leaveOut)
    const invite = everyone.filter((l) => l.deviceId !== me.deviceId && !out.has(l.deviceId))
    // The new group keeps the old one's suite (docs/protocol.md §5.0).
    const suite = groupSuiteName(c.state)
    // The new group's first state is made before the reset is asked for: the server checks its
    // GroupInfo as it checks a new group's (docs/protocol.md §5.4).
    const [kp] = await this.#d.keyPackages.generate(1, false, suite)
    const state = await startGroup(this.#d.suites, this.#d.config, fromBase64Url(newGroup)!, kp!, (await this.#d.serverSender?.()) ?? undefined)
    await this.#d.keyPackages.consumed(kp!)
    // From here a send of this device into the old group may reach the server after the reset
    // is recorded (the server takes it from the resetter): Messaging.send sends it again in the
    // new group once it is formed (docs/protocol.md §5.4, "No acknowledged message is lost").
    let moved!: (g: string) => void
    let failed!: (e: unknown) => void
    conversations.resetting(groupId, new Promise<string>((res, rej) => ((moved = res), (failed = rej))))
    try {
      const groupInfo = toBase64Url(await groupInfoForExternalJoin(this.#d.suites, state))
      await api.resetConversation(conversation, { previousGroup: groupId, epoch: epochOf(c.state), groupId: newGroup, groupInfo })
    } catch (e) {
      if (e instanceof CandorError && e.code === 'rate_limited') this.#budgetSpent.set(conversation, Date.now() + retryAfter(e))
      // Refused (or unanswered, and then a send waits for nothing): no reset of this device.
      failed(e)
      throw e
    }
    let formed!: () => void
    conversations.forming(newGroup, new Promise<void>((r) => (formed = r)))
    let claimed: Claimed[]
    try {
      await lock.run(async () => {
        await conversations.save(newGroup, state, { createdAt: Date.now(), status: 'active', conversation })
      })
      // Key packages are claimed only now that the server recorded this reset: members racing
      // to reset the same group would otherwise each claim everyone's (one of every device
      // for each of them), and the losers' claims would slow the winner's.
      claimed = await this.#claim(invite, suite)
      if (claimed.length > 0) await groups.commitAdds(newGroup, claimed)
    } finally {
      formed()
      moved(newGroup)
    }
    const invited = new Set(claimed.map((k) => k.deviceId))
    const leftOut = everyone.filter((l) => l.deviceId !== me.deviceId && !invited.has(l.deviceId)).map((l) => ({ userId: l.userId, deviceId: l.deviceId }))
    const content: Outgoing = { type: 'reset', id: newMessageId(), sentAt: Date.now(), previousGroup: groupId as never, leftOut: leftOut as never, reason }
    const sentAt = await this.#d.send(newGroup, content)
    // The same announcement in the old group, for whoever was left out (one record each: same
    // content id; another delivery id, or the server would drop it as a duplicate).
    await this.#d.send(groupId, content, newMessageId()).catch((error: unknown) => this.#d.emit('error', { where: 'announcing the reset in the old group', error }))
    const self = everyone.find((l) => l.deviceId === me.deviceId)!
    await lock.run(() => this.#moved(groupId, newGroup, self, content as ResetContent, sentAt))
    return newGroup
  }

  /** Claims key packages of these devices (reset-claims.ts: transient failures tried again); a device without one is left out. */
  #claim(invite: readonly Leaf[], suite: SuiteName): Promise<Claimed[]> {
    return claimForReset(invite, {
      claim: (userId, deviceIds) => this.#d.groups.claimDevices(userId, deviceIds, suite),
      failed: (userId, error, tries) => this.#d.emit('error', { where: `inviting ${userId} into the reset conversation (${tries} ${tries === 1 ? 'try' : 'tries'})`, error }),
    })
  }

  /**
   * A `reset` content, under the MLS lock. In the new group: links it to the conversation of
   * the group it replaces (only one this device holds, reset by one of its members) and moves
   * there. In the old group (its own id as `previousGroup`): the announcement for those left
   * out, who stop using the group. Each device shows it once in the conversation's timeline.
   */
  async received(f: DeliverFrame, sender: Leaf, content: ResetContent): Promise<void> {
    const { conversations, me } = this.#d
    if (content.previousGroup === f.groupId) {
      const notice = { previousGroup: f.groupId, group: '', leftOut: [...content.leftOut], reason: content.reason }
      await this.#record(f.groupId, sender, content, f.sentAt, notice)
      const c = conversations.get(f.groupId)
      if (c?.meta.status === 'active' && content.leftOut.some((l) => l.deviceId === me.deviceId)) {
        await conversations.save(f.groupId, c.state, { status: 'removed' })
        this.#d.emit('conversation', { id: conversations.conversationOf(f.groupId), change: 'removed' })
      }
      return
    }
    await this.#moved(content.previousGroup, f.groupId, sender, content, f.sentAt)
  }

  async #moved(previousGroup: string, groupId: string, sender: Leaf, content: ResetContent, sentAt: number): Promise<void> {
    const { conversations } = this.#d
    const prev = conversations.get(previousGroup)
    const here = conversations.get(groupId)
    if (prev && here && leaves(prev.state).some((l) => l.userId === sender.userId)) {
      const conversation = conversations.conversationOf(previousGroup)
      if (here.meta.conversation !== conversation) await conversations.save(groupId, here.state, { conversation })
      if (prev.meta.status !== 'reset') {
        await conversations.save(previousGroup, prev.state, { status: 'reset', resetTo: groupId })
        // Nothing more of the old group is read here: the server stops sending it.
        void this.#d.api.leave(previousGroup).catch(() => undefined)
      }
    }
    const notice: ResetNotice = { previousGroup, group: groupId, leftOut: [...content.leftOut], reason: content.reason }
    await this.#record(groupId, sender, content, sentAt, notice)
    this.#d.emit('conversation', { id: conversations.conversationOf(groupId), change: 'reset' })
  }

  async #record(groupId: string, sender: Leaf, content: ResetContent, sentAt: number, reset: ResetNotice): Promise<void> {
    const record: MessageRecord = {
      id: content.id,
      conversation: this.#d.conversations.conversationOf(groupId),
      from: sender.userId,
      fromDevice: sender.deviceId,
      text: resetText(sender.userId, content.leftOut, content.reason),
      sentAt,
      receivedAt: Date.now(),
      direction: sender.userId === this.#d.me.userId ? 'out' : 'in',
      kind: 'reset',
      reset,
    }
    if (await this.#d.conversations.record(record)) this.#d.emit('message', record)
  }

  /**
   * A Welcome to a group the server says a reset made: links it to its conversation when this
   * device holds the group it replaced (the `reset` content, end-to-end authenticated, confirms
   * it for those present at the reset; this is for devices added back later). Under the lock,
   * before the join is saved; returns the conversation id, if any.
   */
  async conversationOfJoined(groupId: string): Promise<{ conversation: string; previousGroup: string } | undefined> {
    let r: GroupResetsResponse
    try {
      r = await this.#d.api.groupResets(groupId)
    } catch (e) {
      // Asked again when the server answers; a refusal (removed meanwhile) leaves the group unlinked.
      if (isTransient(e)) throw e
      return undefined
    }
    const prev = r.from ? this.#d.conversations.get(r.from.previousGroup) : undefined
    if (!r.from || !prev) return undefined
    return { conversation: this.#d.conversations.conversationOf(r.from.previousGroup), previousGroup: r.from.previousGroup }
  }

  /** Marks the group a joined one replaced as reset (after the join is saved). */
  async replaced(previousGroup: string, groupId: string): Promise<void> {
    const prev = this.#d.conversations.get(previousGroup)
    if (!prev || prev.meta.status === 'reset') return
    await this.#d.conversations.save(previousGroup, prev.state, { status: 'reset', resetTo: groupId })
    void this.#d.api.leave(previousGroup).catch(() => undefined)
  }

  /**
   * The reporter's Ed25519 signature. Every member reports a commit nobody can process, and every
   * member gets every report: where the group's suite signs with Ed25519 (the reporter's leaf key
   * is its device key), the suite's own verifier checks it, as it checks that key's MLS
   * signatures (OpenSSL on Node: about 0.1 ms, against 2 ms for the portable code).
   */
  async #verifyReport(suite: MlsSuite, key: Uint8Array, statement: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (key.length !== 32 || signature.length !== 64) return false
    if (suite.name.endsWith('_Ed25519')) return suite.signature.verify(key, statement, signature).catch(() => false)
    return verifyDetached(key, statement, signature)
  }

  /**
   * A member's report relayed by the server (deliver kind `report`): checked against the
   * reporter's key in this device's tree, then told to the application. Anything that does not
   * check out is dropped (it came through the server; a member's report is signed).
   */
  async reportReceived(f: DeliverFrame): Promise<void> {
    try {
      const r = relayedReport.parse(JSON.parse(new TextDecoder().decode(f.payload)))
      const c = this.#d.conversations.get(f.groupId)
      const reporter = c ? leavesByDevice(c.state).get(f.sender) : undefined
      if (!c || !reporter || r.groupId !== f.groupId || r.messageId !== f.messageId) return
      const statement = reportStatement(r.groupId, r.epoch, r.committer, r.messageId, r.reason)
      if (!(await this.#verifyReport(this.#d.suites[groupSuiteName(c.state)], reporter.signatureKey, statement, fromBase64Url(r.signature)!))) return
      this.#d.emit('report', { groupId: f.groupId, reporter: { userId: reporter.userId, deviceId: reporter.deviceId }, epoch: r.epoch, committer: r.committer, messageId: r.messageId, reason: r.reason })
    } catch {
      // Not a report this version can read: nothing to show.
    }
  }
}
