// What this device does with each delivery, in queue order: join from a Welcome, apply a
// commit (or learn it was removed), decrypt an application message and record it once (a
// text with the time it disappears at, a timer change as the conversation's new timer and a
// notice in its history, a content this version cannot show as a line saying so, a member's
// report that they could not decrypt one of this device's messages as that message's
// status), and hand the checkpoints the sender saw to the split-view checks.
//
// A failure is classified (delivery-failure.ts): a transient one is thrown, so the delivery
// stays unacknowledged and is retried; a permanent one is shown and reported (undecryptable.ts)
// and the delivery counts as handled. Processing a delivery again (its acknowledgement was
// lost) changes nothing: welcomes and commits of epochs already left are recognised by MLS
// state, application messages by their id.
import { decodeContent, type Content, type DeliverFrame, type ProfileContent, type Seen } from '@candor/protocol'
import { epochOf, isRemoved, joinFromWelcome, leaves, messageEpoch, processIncoming, type AuthenticationFor, type Leaf, type MlsConfig, type MlsSuites } from '@candor/crypto'
import type { ClientEvents } from './client.ts'
import type { ReceivedContent } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import { classifyFailure } from './delivery-failure.ts'
import { deviceSwaps, recordDeviceSwaps } from './device-replaced.ts'
import type { KeyPackages } from './key-packages.ts'
import type { MessageFeatures } from './message-features.ts'
import { unsupportedText } from './message-content.ts'
import type { PendingCommits } from './pending-commits.ts'
import type { Recovery } from './recovery.ts'
import type { ServerRemovals } from './server-removals.ts'
import type { Undecryptables } from './undecryptable.ts'
import type { GroupInvites } from './group-invites.ts'
import { expiresAt, timerNotice } from './data/retention.ts'

export interface IncomingDeps {
  suites: MlsSuites
  config: MlsConfig
  /** Judge a commit's and a Welcome's credentials by the checkpoint they name (handshake-authentication.ts). */
  authentication: { commit: AuthenticationFor; welcome: AuthenticationFor }
  conversations: Conversations
  keyPackages: KeyPackages
  userId: string
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** A member announced they are leaving a conversation. */
  onLeave(conversation: string, who: Leaf): void
  /** This device joined a conversation from a Welcome (it learns the current timer then). */
  onJoin(conversation: string): void
  /** A member's display name (docs/protocol.md §2 `profile`), with the time they sent it. */
  onProfile(from: string, content: ProfileContent, sentAt: number): Promise<void>
  /** A member changed the conversation's disappearing timer. */
  onTimer(conversation: string, ms: number | null): void
  /** A message carried the checkpoints its sender saw: queue the split-view checks (returns at once). */
  onSeen(sender: Leaf, seen: Seen): void
  /** Shows and reports what this device can never process, and takes members' reports of the same. */
  undecryptable: Undecryptables
  /** This device's own commits whose answer it never had (pending-commits.ts). */
  pending: PendingCommits
  /** Reports and resets of groups a member cannot follow (recovery.ts). */
  recovery: Recovery
  /** Replies, edits, deletes, reactions, receipts, names and membership lines (message-features.ts). */
  features: MessageFeatures
  /** Group invite links this device made: a `join` message from someone who used one (group-invites.ts). */
  groupInvites: Pick<GroupInvites, 'received'>
  /** The server's removal proposals (kind 3): checked, held, committed (server-removals.ts). */
  serverRemovals: ServerRemovals
  /** Every decrypted application content, before it is applied (ClientOptions.onContent). */
  onContent?: ((e: ReceivedContent) => Promise<void>) | undefined
}

/** The shorter of the sender's timer and this device's, in ms (null: none). */
function timerOf(d: IncomingDeps, conversation: string, theirsSeconds: number | undefined): number | null {
  // Neither a stale sender nor a missed timer message keeps a message longer than the members asked.
  const own = d.conversations.timerMs(conversation)
  const theirs = theirsSeconds === undefined ? null : theirsSeconds * 1000
  return own === null ? theirs : theirs === null ? own : Math.min(own, theirs)
}

/**
 * Processes one delivery; the caller holds the MLS state lock. Resolves once the delivery is
 * handled for good (processed, or rejected and shown): the caller acknowledges it then.
 * Rejects on a transient failure: the caller keeps it and tries again later.
 */
export async function processDelivery(d: IncomingDeps, f: DeliverFrame): Promise<void> {
  try {
    await handle(d, f)
  } catch (e) {
    const c = d.conversations.get(f.groupId)
    const active = c?.meta.status === 'active' ? c : undefined
    const facts = { messageEpoch: messageEpoch(f.payload), ownEpoch: active ? epochOf(active.state) : null }
    const verdict = classifyFailure(e, facts)
    if (verdict.transient) throw e
    d.emit('error', { where: `processing message ${f.messageId} (it cannot be processed: ${verdict.reason})`, error: e })
    // Only a member at the message's epoch (or later) still sends in step with the group.
    const canSend = f.kind === 0 && facts.messageEpoch !== null && facts.ownEpoch !== null && facts.messageEpoch <= facts.ownEpoch
    await d.undecryptable.failed(f, verdict.reason, { epoch: facts.messageEpoch ?? facts.ownEpoch ?? 0, canSend })
    // A commit nobody can follow is reported and the conversation reset; one this device cannot
    // follow because it is behind makes it rejoin by an external commit first (recovery.ts).
    if (f.kind === 1) d.recovery.commitFailed(f, verdict.reason)
    // A message from an epoch this device never reached: it is behind, and rejoins (rejoin.ts).
    else if (f.kind === 0 && verdict.reason === 'epoch_unavailable') d.recovery.behind(f)
  }
}

async function handle(d: IncomingDeps, f: DeliverFrame): Promise<void> {
  const { conversations } = d
  if (f.kind === 2) {
    // A welcome to a group this device is active in is stale; after removal or leaving, it is a re-invitation.
    if (conversations.get(f.groupId)?.meta.status === 'active') return
    // A group made by a reset belongs to the conversation of the group it replaced (§5.4).
    const link = await d.recovery.conversationOfJoined(f.groupId)
    const { state, used } = await joinFromWelcome(d.suites, d.config, f.payload, (ref) => d.keyPackages.find(ref), { authenticationFor: d.authentication.welcome })
    await conversations.save(f.groupId, state, { createdAt: f.sentAt, status: 'active', ...(link ? { conversation: link.conversation } : {}) })
    await d.keyPackages.consumed(used)
    if (link) await d.recovery.replaced(link.previousGroup, f.groupId)
    d.emit('conversation', { id: conversations.conversationOf(f.groupId), change: 'joined' })
    d.onJoin(f.groupId)
    return
  }
  if (f.kind === 4) {
    await d.recovery.reportReceived(f)
    return
  }
  if (d.pending.has(f.groupId)) {
    // This device's own commit, come back through its queue, is the answer its post never had;
    // anything else of the group is processed on the state the server knows it is at.
    const own = f.kind === 1 && d.pending.isOwn(f.groupId, f.messageId)
    await d.pending.settle(f.groupId, own || undefined)
    if (own) return
  }
  if (f.kind === 3) {
    await d.serverRemovals.received(f)
    return
  }
  const c = conversations.get(f.groupId)
  // A group this device moved away from by a reset is still read: a message the server accepted
  // before the reset may reach it afterwards (docs/protocol.md §5.4, "No acknowledged message is
  // lost"). Its commits are not followed any more.
  const moved = c?.meta.status === 'reset'
  if (!c || (c.meta.status !== 'active' && !(moved && f.kind === 0))) return
  if (f.kind === 1) {
    const epochBefore = epochOf(c.state)
    // The server's proposals this device accepted, for a commit that names them by reference.
    const state = await d.serverRemovals.withHeld(f.groupId, c.state)
    const r = await processIncoming(d.suites, state, f.payload, { authenticationFor: d.authentication.commit })
    // A commit that removes this device does not advance its epoch: it cannot derive the new one.
    const removed = isRemoved(r.state)
    if (!removed && epochOf(r.state) <= epochBefore) return
    await conversations.save(f.groupId, r.state, removed ? { status: 'removed' } : undefined)
    // A person's new device took an old one's place (a recovered device, §5.2): say so.
    if (!removed) await recordDeviceSwaps(d, f.groupId, { deviceId: f.sender }, f.sentAt, deviceSwaps(leaves(c.state), leaves(r.state)))
    d.emit('conversation', { id: f.groupId, change: removed ? 'removed' : 'members' })
    return
  }
  if (conversations.processed(f.groupId, f.messageId)) return
  const r = await processIncoming(d.suites, c.state, f.payload)
  if (r.kind !== 'application') {
    await conversations.save(f.groupId, r.state)
    return
  }
  let content: Content
  try {
    content = decodeContent(r.plaintext)
  } catch (e) {
    d.emit('error', { where: `reading message ${f.messageId}`, error: e })
    await d.undecryptable.failed(f, 'invalid_content', { epoch: epochOf(c.state), from: r.sender, canSend: true })
    conversations.defer(f.groupId, r.state)
    return
  }
  if (d.onContent) {
    await d.onContent({
      groupId: f.groupId,
      seq: f.seq,
      messageId: f.messageId,
      sentAt: f.sentAt,
      epoch: epochOf(c.state),
      sender: { userId: r.sender.userId, deviceId: r.sender.deviceId },
      content,
      plaintext: r.plaintext,
    })
  }
  // Its effects first, then "processed", then the state its keys were used up in: a failure
  // or a crash in between leaves an older state (later messages still decrypt), never a
  // message applied twice or lost. The state is written once per batch of deliveries, before
  // any of them is acknowledged (Conversations.defer, delivery-queue.ts).
  // Leaving or joining a group this device no longer follows changes nothing.
  if (!moved || (content.type !== 'leave' && content.type !== 'join')) await applyContent(d, f, r.sender, content)
  await conversations.markProcessed(f.groupId, f.messageId)
  conversations.defer(f.groupId, r.state)
}

async function applyContent(d: IncomingDeps, f: DeliverFrame, sender: Leaf, content: Content): Promise<void> {
  const { conversations } = d
  if (content.seen) d.onSeen(sender, content.seen)
  if (content.type === 'text') {
    const record: MessageRecord = {
      id: content.id,
      conversation: conversations.conversationOf(f.groupId),
      from: sender.userId,
      fromDevice: sender.deviceId,
      text: content.text,
      sentAt: f.sentAt,
      receivedAt: Date.now(),
      direction: sender.userId === d.userId ? 'out' : 'in',
      ...expiresAt(f.sentAt, timerOf(d, f.groupId, content.timer)),
      ...(content.attachments && content.attachments.length > 0 ? { attachments: [...content.attachments] } : {}),
      ...(await d.features.textFields(f.groupId, content)),
    }
    if (await conversations.record(record)) {
      d.emit('message', record)
      d.features.received(f.groupId, record)
    }
  } else if (content.type === 'leave') {
    await d.features.left(f.groupId, sender, content.id, f.sentAt)
    d.onLeave(f.groupId, sender)
  } else if (content.type === 'timer') {
    const ms = content.seconds === null ? null : content.seconds * 1000
    await conversations.setTimer(f.groupId, { ms, setBy: sender.userId, setAt: f.sentAt })
    const record = timerNotice({
      id: content.id,
      conversation: conversations.conversationOf(f.groupId),
      from: sender.userId,
      fromDevice: sender.deviceId,
      sentAt: f.sentAt,
      direction: sender.userId === d.userId ? 'out' : 'in',
      ms,
    })
    if (await conversations.record(record)) d.emit('message', record)
    d.onTimer(f.groupId, ms)
  } else if (content.type === 'undecryptable') {
    await d.undecryptable.reported(conversations.conversationOf(f.groupId), sender, content)
  } else if (content.type === 'reset') {
    await d.recovery.received(f, sender, content)
  } else if (content.type === 'archive') {
    // The archive member's own announcement (docs/protocol.md §2 `archive`, §11.3).
    const record: MessageRecord = {
      id: content.id,
      conversation: conversations.conversationOf(f.groupId),
      from: sender.userId,
      fromDevice: sender.deviceId,
      text: `Archived by ${content.org}, policy v${content.policyVersion}`,
      sentAt: f.sentAt,
      receivedAt: Date.now(),
      direction: sender.userId === d.userId ? 'out' : 'in',
      kind: 'archive',
      archive: { org: content.org, policyVersion: content.policyVersion },
    }
    if (await conversations.record(record)) d.emit('message', record)
  } else if (content.type === 'profile') {
    await d.onProfile(sender.userId, content, f.sentAt)
  } else if (content.type === 'join') {
    await d.groupInvites.received(f, sender, content)
  } else if (await d.features.apply(f, sender, content)) {
    // Applied to the messages it is about (or ignored, when its sender may not do that).
  } else if (content.type === 'typing') {
    // Indicators travel as ephemeral frames (typing.ts); one stored and delivered is stale.
  } else {
    await recordUnsupported(d, f, sender, content)
  }
}

/**
 * A content this version cannot show (an unknown type or version, or one of §2's types it
 * does not implement yet) is kept as a line saying so, under the conversation's timer; it
 * never disappears silently.
 */
async function recordUnsupported(d: IncomingDeps, f: DeliverFrame, sender: Leaf, content: Content): Promise<void> {
  const record: MessageRecord = {
    id: content.id ?? f.messageId,
    conversation: d.conversations.conversationOf(f.groupId),
    from: sender.userId,
    fromDevice: sender.deviceId,
    text: unsupportedText(content),
    sentAt: f.sentAt,
    receivedAt: Date.now(),
    direction: sender.userId === d.userId ? 'out' : 'in',
    kind: 'unsupported',
    ...expiresAt(f.sentAt, timerOf(d, f.groupId, content.timer)),
  }
  if (await d.conversations.record(record)) d.emit('message', record)
}
