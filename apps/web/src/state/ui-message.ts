// A message as the views show it: the SDK's record with its delivery state on this page
// ('sending' until the server takes it), and the fields the views read.
import type { FailedFor, MessageRecord } from '@candor/sdk'
import type { AttachmentRef } from '@candor/protocol'

export type Delivery = 'sending' | 'sent' | 'failed' | 'received'

export interface UiMessage {
  id: string
  conversation: string
  from: string
  text: string
  sentAt: number
  direction: 'in' | 'out'
  delivery: Delivery
  error?: string
  /**
   * 'timer': a notice that a member changed the disappearing timer, not something someone
   * wrote; 'unsupported': a message this version cannot show (its text says so);
   * 'undecryptable': a notice that a message could not be decrypted on this device; 'reset': a
   * member reset the conversation (its text names who, and whom it left out).
   */
  kind?: MessageRecord['kind']
  /** For kind 'archive': which organisation's archive, under which policy version (shown with the organisation's name where verified). */
  archive?: MessageRecord['archive']
  /** When the device deletes it (ms since the epoch); it leaves the view then. */
  expiresAt?: number
  /** On the person's own message: recipient devices that reported they could not decrypt it. */
  failedFor?: FailedFor[]
  /** Files sent with it (their keys stay on this device). */
  attachments?: AttachmentRef[]
  /** Conversation features (the SDK's record fields): a quoted message, an edit or delete, reactions, a mention of this person. */
  replyTo?: MessageRecord['replyTo']
  edited?: boolean
  deleted?: boolean
  reactions?: Record<string, string[]>
  mentioned?: boolean
  /** On the person's own messages: delivered to, or read by, the recipients (their receipts). */
  receipt?: 'delivered' | 'read'
  /** While this device uploads the file of a message it is sending: the share sent, 0–100. */
  uploading?: { name: string; percent: number }
  /** It came in a history transfer or the backup (docs/protocol.md §4.2), not live. */
  transferred?: true
}

export function toUi(m: MessageRecord): UiMessage {
  return {
    id: m.id,
    conversation: m.conversation,
    from: m.from,
    text: m.text,
    sentAt: m.sentAt,
    direction: m.direction,
    delivery: m.direction === 'out' ? 'sent' : 'received',
    ...(m.kind ? { kind: m.kind } : {}),
    ...(m.archive ? { archive: m.archive } : {}),
    ...(m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
    ...(m.failedFor ? { failedFor: m.failedFor } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(m.transferred ? { transferred: true as const } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    ...(m.edited ? { edited: true } : {}),
    ...(m.deleted ? { deleted: true } : {}),
    ...(m.reactions ? { reactions: m.reactions } : {}),
    ...(m.mentioned ? { mentioned: true } : {}),
    ...(m.status === 'delivered' || m.status === 'read' ? { receipt: m.status } : {}),
  }
}
