// The plaintext of MLS application messages (docs/protocol.md §2), as readers hold it in
// memory: version 1 and version 2 objects decode to these same types (the wire version is
// not kept; a v1 object is simply one without `seen`). Writers write version 2.
import type { DeviceId, GroupId, MessageId, UserId } from '../ids.ts'

/** Limits of §2; the decoder refuses anything over them, naming the field. */
export const CONTENT_LIMITS = {
  /** The whole UTF-8 JSON object of a version-2 content (keeps the MLS ciphertext under the frame limit). */
  contentBytes: 96 * 1024,
  textBytes: 65_536,
  /** Version 1 measured text in UTF-16 code units; its old messages still decode. */
  v1TextLength: 64 * 1024,
  mentions: 50,
  excerptChars: 200,
  attachments: 10,
  emojiBytes: 32,
  receiptIds: 100,
  conversationNameChars: 100,
  topicChars: 500,
  displayNameChars: 64,
  resetReasonChars: 200,
  /** members.added/removed and reset.leftOut: no group is larger (LIMITS.groupMembers). */
  memberList: 1000,
  attachmentNameChars: 255,
  mediaTypeChars: 255,
  thumbnailBytes: 16 * 1024,
  thumbnailSide: 4096,
  maxChunkSize: 16 * 1024 * 1024,
} as const

/** The server accepts at most ten years; anything longer is not a timer a member set. */
export const MAX_TIMER_SECONDS = 10 * 366 * 24 * 3600

export function isTimerSeconds(s: unknown): s is number {
  return typeof s === 'number' && Number.isSafeInteger(s) && s > 0 && s <= MAX_TIMER_SECONDS
}

/** A log's tree head (directory or access log): its size and root hash in base64url. */
export interface CheckpointRef {
  readonly size: number
  readonly root: string
}

/** The sender's latest verified checkpoints (§2.3); either may be absent before the first sync. */
export interface Seen {
  readonly directory?: CheckpointRef
  readonly accessLog?: CheckpointRef
}

interface Common<T extends string> {
  readonly type: T
  readonly id: MessageId
  /** The sender's clock: shown, never used to order. */
  readonly sentAt: number
  /** Present in every version-2 object (possibly `{}`), absent in version 1. */
  readonly seen?: Seen
  /** The disappearing timer (seconds) the sender applied to this message. */
  readonly timer?: number
}

export interface Thumbnail {
  readonly mediaType: string
  readonly width: number
  readonly height: number
  /** base64url, at most 16 KiB decoded. */
  readonly data: string
}

/** An uploaded, encrypted attachment: the server sees only the blob's ciphertext and size. */
export interface AttachmentRef {
  /** A BlobId (the same form as a MessageId). */
  readonly blob: string
  readonly name: string
  readonly mediaType: string
  readonly size: number
  /** base64url SHA-256 of the plaintext. */
  readonly sha256: string
  /** base64url 32-byte AES-256-GCM key. */
  readonly key: string
  readonly chunkSize: number
  readonly thumbnail?: Thumbnail
}

export interface ReplyRef {
  readonly id: MessageId
  readonly from: UserId
  readonly excerpt: string
}

export interface TextContent extends Common<'text'> {
  readonly text: string
  readonly mentions?: readonly UserId[]
  readonly replyTo?: ReplyRef
  readonly attachments?: readonly AttachmentRef[]
}

export interface EditContent extends Common<'edit'> {
  readonly target: MessageId
  readonly text: string
  readonly mentions?: readonly UserId[]
}

export interface DeleteContent extends Common<'delete'> {
  readonly target: MessageId
}

export interface ReactionContent extends Common<'reaction'> {
  readonly target: MessageId
  readonly emoji: string
  readonly on: boolean
}

export interface ReceiptContent extends Common<'receipt'> {
  readonly kind: 'delivered' | 'read'
  readonly ids: readonly MessageId[]
}

export interface TypingContent extends Common<'typing'> {
  readonly on: boolean
}

export interface TimerContent extends Common<'timer'> {
  /** Whole seconds; null: off. */
  readonly seconds: number | null
}

export type LeaveContent = Common<'leave'>

/** A rename, topic or avatar change; at least one of the three is present. */
export interface ConversationContent extends Common<'conversation'> {
  readonly name?: string | null
  readonly topic?: string | null
  /** The group's picture: an inline thumbnail only (≤ 16 KiB), no blob. */
  readonly avatar?: Thumbnail | null
}

export interface ProfileContent extends Common<'profile'> {
  readonly displayName?: string
  readonly avatar?: AttachmentRef | null
}

/** Asks the creator of a group invite link to add the sender (docs/protocol.md §5.8 group links): the link's secret. */
export interface JoinContent extends Common<'join'> {
  /** The link's 32-byte secret, base64url. */
  readonly secret: string
}

export interface MembersContent extends Common<'members'> {
  readonly added: readonly UserId[]
  readonly removed: readonly UserId[]
}

export const DELIVERY_KINDS = ['application', 'commit', 'welcome', 'proposal', 'report', 'direct'] as const
export const UNDECRYPTABLE_REASONS = ['epoch_unavailable', 'invalid_credential', 'decrypt_failed', 'invalid_content'] as const

export interface UndecryptableContent extends Common<'undecryptable'> {
  readonly target: {
    readonly messageId: MessageId
    readonly sender: DeviceId
    readonly epoch: number
    /** The deliver kind (§6) by name. */
    readonly kind: (typeof DELIVERY_KINDS)[number]
  }
  readonly reason: (typeof UNDECRYPTABLE_REASONS)[number]
}

export interface ResetContent extends Common<'reset'> {
  readonly previousGroup: GroupId
  readonly leftOut: ReadonlyArray<{ readonly userId: UserId; readonly deviceId: DeviceId }>
  readonly reason: string
}

export interface ArchiveContent extends Common<'archive'> {
  /** An OrgId. */
  readonly org: string
  readonly policyVersion: number
}

/**
 * What a reader makes of a content whose `type` or `v` it does not know: shown as "not
 * supported by this version", never dropped. The common fields are kept where they are
 * present and well formed (`seen` and `timer` only from a version it knows the meaning of).
 */
export interface UnsupportedContent {
  readonly type: 'unsupported'
  readonly v: number
  /** The type on the wire (at most 64 characters of it). */
  readonly wireType: string
  readonly id?: MessageId
  readonly sentAt?: number
  readonly seen?: Seen
  readonly timer?: number
}

export type SendableContent =
  | TextContent
  | EditContent
  | DeleteContent
  | ReactionContent
  | ReceiptContent
  | TypingContent
  | TimerContent
  | LeaveContent
  | ConversationContent
  | ProfileContent
  | MembersContent
  | JoinContent
  | UndecryptableContent
  | ResetContent
  | ArchiveContent

export type Content = SendableContent | UnsupportedContent

export type ContentType = SendableContent['type']
