// Both sides of a message a device can never process (docs/protocol.md §2 `undecryptable`,
// §6 acknowledgement rule). The device that failed shows it in the conversation ("a message
// from X could not be decrypted") and, when it can still send in the group, tells the sender
// — at most once a minute per sender device and group, so a broken sender cannot make every
// member flood the group. Where it cannot send (it is behind: it missed or could not process
// a commit), it keeps the failure as unreported, for the recovery to report to the server. The
// sender's device, told, marks its message as failed for that recipient.
import { DELIVERY_KINDS, newMessageId, type DeliverFrame, type UndecryptableContent } from '@candor/protocol'
import { leaves, type Leaf } from '@candor/crypto'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord, UndecryptableNotice } from './message-record.ts'
import type { DeliveryFailures } from './delivery-failures.ts'
import type { UndecryptableReason } from './delivery-failure.ts'
import type { LocalStore } from './local-store.ts'
import type { Outgoing } from './message-content.ts'
import { expiresAt } from './data/retention.ts'

const REPORT_INTERVAL_MS = 60_000
const UNREPORTED = 'undecryptable/unreported'
const UNREPORTED_KEPT = 500

/** A failure this device could not tell the sender about (it could not send in the group). */
export interface UnreportedFailure {
  conversation: string
  target: UndecryptableContent['target']
  reason: UndecryptableReason
  at: number
}

export interface UndecryptableDeps {
  store: LocalStore
  conversations: Conversations
  failures: DeliveryFailures
  me: { userId: string; deviceId: string }
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** Sends a content into a conversation (it takes the MLS lock itself: called after processing). */
  send(conversation: string, content: Outgoing): Promise<unknown>
}

export interface FailureContext {
  /** The epoch the message was for (its header's, else this device's). */
  epoch: number
  /** The sender's leaf, when the message authenticated it before failing (invalid content). */
  from?: Leaf
  /** Whether this device can still send in the group (it is not behind). */
  canSend: boolean
}

const REASON_TEXT: Record<UndecryptableReason, string> = {
  epoch_unavailable: 'this device missed a change to the conversation',
  invalid_credential: 'a key in it is not the one the key directory holds',
  decrypt_failed: 'it did not decrypt',
  invalid_content: 'its content is invalid',
}

export function undecryptableText(who: string, reason: UndecryptableReason): string {
  return `A message from ${who} could not be decrypted (${REASON_TEXT[reason]}).`
}

export class Undecryptables {
  readonly #d: UndecryptableDeps
  /** `${conversation}/${sender device}` → when this device last reported a failure of theirs. */
  readonly #lastReport = new Map<string, number>()

  constructor(deps: UndecryptableDeps) {
    this.#d = deps
  }

  /**
   * Shows a delivery this device can never process, once (a redelivery finds the record), and
   * reports it to its sender when it may. Called under the MLS lock; the report is sent after.
   */
  async failed(f: DeliverFrame, reason: UndecryptableReason, ctx: FailureContext): Promise<void> {
    const { conversations, me } = this.#d
    if (conversations.hasSeen(f.messageId)) return
    const c = conversations.get(f.groupId)
    const from = ctx.from ?? (c ? leaves(c.state).find((l) => l.deviceId === f.sender) : undefined)
    const target: UndecryptableContent['target'] = { messageId: f.messageId, sender: f.sender, epoch: ctx.epoch, kind: DELIVERY_KINDS[f.kind] ?? 'application' }
    const key = `${f.groupId}/${f.sender}`
    const now = Date.now()
    const report = ctx.canSend && f.sender !== me.deviceId && now - (this.#lastReport.get(key) ?? -Infinity) >= REPORT_INTERVAL_MS
    const notice: UndecryptableNotice = { ...target, reason, reported: report }
    const record: MessageRecord = {
      id: f.messageId,
      conversation: conversations.conversationOf(f.groupId),
      from: from?.userId ?? '',
      fromDevice: f.sender,
      text: undecryptableText(from?.userId ?? `device ${f.sender}`, reason),
      sentAt: f.sentAt,
      receivedAt: now,
      direction: from?.userId === me.userId ? 'out' : 'in',
      kind: 'undecryptable',
      undecryptable: notice,
      ...expiresAt(f.sentAt, conversations.timerMs(f.groupId)),
    }
    if (!report) await this.#keepUnreported({ conversation: f.groupId, target, reason, at: now })
    if (await conversations.record(record)) this.#d.emit('message', record)
    if (!report) return
    this.#lastReport.set(key, now)
    const content: Outgoing = { type: 'undecryptable', id: newMessageId(), sentAt: now, target, reason }
    // Outside the lock this runs under; a report that cannot go out is kept for the recovery.
    setTimeout(() => {
      this.#d.send(f.groupId, content).catch(async (error: unknown) => {
        this.#d.emit('error', { where: `telling ${from?.userId ?? f.sender} their message could not be decrypted`, error })
        await this.#keepUnreported({ conversation: f.groupId, target, reason, at: Date.now() }).catch(() => undefined)
      })
    }, 0)
  }

  /**
   * A member's device reports it could not decrypt a message. If it was this device's, the
   * message is marked failed for that recipient (once per recipient device).
   */
  async reported(conversation: string, from: Leaf, content: UndecryptableContent): Promise<void> {
    if (content.target.sender !== this.#d.me.deviceId) return
    const failedFor = await this.#d.failures.mark({
      conversation,
      messageId: content.target.messageId,
      userId: from.userId,
      deviceId: from.deviceId,
      reason: content.reason,
    })
    if (failedFor) this.#d.emit('status', { conversation, id: content.target.messageId, status: 'failed', failedFor })
  }

  /** Failures this device could not tell their senders about, oldest first. */
  async unreported(): Promise<UnreportedFailure[]> {
    return JSON.parse((await this.#d.store.get(UNREPORTED)) ?? '[]') as UnreportedFailure[]
  }

  async #keepUnreported(u: UnreportedFailure): Promise<void> {
    const list = await this.unreported()
    if (list.some((x) => x.target.messageId === u.target.messageId && x.target.sender === u.target.sender)) return
    await this.#d.store.put(UNREPORTED, JSON.stringify([...list, u].slice(-UNREPORTED_KEPT)))
  }
}
