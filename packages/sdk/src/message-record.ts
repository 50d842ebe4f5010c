// What one record of a conversation's history is: a message a person wrote, or a notice the
// device shows in its place (a timer change, a reset, a message it could not process, ...),
// and when it disappears.
import type { AttachmentRef, ReplyRef, UndecryptableContent } from '@candor/protocol'

export interface MessageRecord {
  id: string
  conversation: string
  from: string
  fromDevice: string
  /**
   * For a notice (kind 'timer') or a content this version cannot show (kind 'unsupported'), a
   * sentence describing it, so readers that ignore `kind` still show something true.
   */
  text: string
  sentAt: number
  receivedAt: number
  direction: 'in' | 'out'
  /**
   * Absent for a message a person wrote; 'timer' for the notice that a member changed the
   * disappearing timer; 'unsupported' for a message this version cannot show (sent by a newer
   * version, or of a type not implemented here), kept so that it is never dropped silently;
   * 'undecryptable' for the notice that a message could not be processed by this device
   * (`undecryptable` says which and why; its id is the delivery's message id); 'rejoined' for the
   * notice that this device rejoined the group by an external commit (rejoin.ts).
   */
  kind?: 'timer' | 'unsupported' | 'undecryptable' | 'reset' | 'rejoined' | 'members' | 'conversation' | 'left' | 'archive'
  /** For kind 'archive': the archive member's announcement, "Archived by <org>, policy v<N>" (docs/protocol.md §11.3). */
  archive?: { org: string; policyVersion: number }
  /** For kind 'timer': the timer set, in ms; null when turned off. */
  timerMs?: number | null
  /** For kind 'undecryptable': the message this device could not process, and why. */
  undecryptable?: UndecryptableNotice
  /** For kind 'reset': the group left behind and who was left out of the new one (docs/protocol.md §5.4). */
  reset?: ResetNotice
  /**
   * On this device's own messages, 'failed' once a recipient device reported it could not
   * decrypt it (`failedFor` lists them); absent otherwise (sent). Not stored in the record:
   * history() and inbox() add it.
   */
  status?: 'failed' | 'sent' | 'delivered' | 'read'
  failedFor?: FailedFor[]
  /** A reply: the message it quotes (docs/protocol.md §2 `replyTo`). */
  replyTo?: ReplyRef
  /** Users the message mentions; `mentioned`: this person is one of them (highlight it). */
  mentions?: string[]
  mentioned?: boolean
  /** For kind 'members': who was added and removed; kind 'conversation': the new name/topic. */
  members?: { added: string[]; removed: string[] }
  /** For kind 'members' when a person's devices were swapped (a recovered device took an old one's place, docs/protocol.md §5.2): which. */
  device?: { user: string; added: string[]; removed: string[] }
  renamed?: { name?: string | null; topic?: string | null }
  /*
   * The fields below are not stored in the record: history() and inbox() add them from the
   * message's state (message-state.ts).
   */
  /** Edited by its sender: the latest text is `text`, the earlier ones (oldest first) `previousTexts`. */
  edited?: boolean
  editedAt?: number
  previousTexts?: string[]
  /** Deleted for everyone by its sender: text, attachments and reactions are gone. */
  deleted?: boolean
  /** Reactions: emoji → the users who reacted with it. */
  reactions?: Record<string, string[]>
  /** On this person's own messages: each recipient user's delivered/read state. */
  receipts?: Record<string, 'delivered' | 'read'>
  /** When this device deletes the record (ms since the epoch): its sentAt plus the timer it was sent under. */
  expiresAt?: number
  /** Files sent with the message (docs/protocol.md §2), with the keys to download and decrypt them. */
  attachments?: AttachmentRef[]
  /**
   * The record came in a history archive (another device of the person's, or their backup), not
   * from the conversation itself: show it marked as transferred (docs/protocol.md §4.2).
   */
  transferred?: true
  /** Only in inbox(): the record's position in this device's inbox, unchanged when expired records are deleted. */
  seq?: number
}

/** What a device could not process (docs/protocol.md §2 `undecryptable`, seen from the device that failed). */
export interface UndecryptableNotice {
  messageId: string
  sender: string
  /** The epoch in the message's header, or this device's epoch when the header has none. */
  epoch: number
  kind: UndecryptableContent['target']['kind']
  reason: UndecryptableContent['reason']
  /** Whether this device told the sender (false: it could not send in the group, or it was rate-limited). */
  reported: boolean
}

export interface ResetNotice {
  previousGroup: string
  group: string
  leftOut: Array<{ userId: string; deviceId: string }>
  reason: string
}

/** A recipient device that reported it could not decrypt one of this device's messages. */
export interface FailedFor {
  userId: string
  deviceId: string
  reason: UndecryptableContent['reason']
}

export function isExpired(m: Pick<MessageRecord, 'expiresAt'>, now: number): boolean {
  return m.expiresAt !== undefined && m.expiresAt <= now
}
