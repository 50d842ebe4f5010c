// CandorClient's public types: how it is opened, the events it emits, and who can read a conversation.
import type { CryptoProvider } from '@candor/crypto'
import type { Content, SessionEndReason } from '@candor/protocol'
import type { DirectoryTrust } from './checkpoint-tracker.ts'
import type { ConnectionState, WebSocketFactory } from './connection.ts'
import type { FailedFor, MessageRecord } from './message-record.ts'
import type { LocalStore } from './local-store.ts'
import type { ReceiptOptions } from './message-features.ts'
import type { SearchIndex } from './search/search-index.ts'
import type { SplitViewAlert } from './split-view-monitor.ts'
import type { OrgAuditForkAlert } from './data/org-audit-memory.ts'

export interface ClientOptions {
  server: string
  store: LocalStore
  crypto: CryptoProvider
  webSocket: WebSocketFactory
  /** Pinned key-directory keys and required witnesses; pinned on first use by default. */
  directory?: DirectoryTrust
  /** How often the device deletes records whose disappearing timer ran out (ms; default 1000). */
  expirySweepMs?: number
  /**
   * The access log's verifier key (a C2SP vkey), pinned instead of trusting the first one the
   * server shows; receipts and deletion receipts are then checked against it only.
   */
  accessLogKey?: string
  /** How long each HTTP call may take, answer included, before it fails with `unavailable` (ms; default 30 000). */
  httpTimeoutMs?: number
  /**
   * The device's full-text search index over its history (StoredSearchIndex over the store,
   * SqliteSearchIndex on Node); without one, search() reads the whole history.
   */
  searchIndex?: SearchIndex
  /**
   * Called with every application content this device decrypts, before it is applied and
   * acknowledged (a rejection keeps the delivery queued). The compliance archive writes its
   * sealed records here (docs/protocol.md §11.4).
   */
  onContent?: (e: ReceivedContent) => Promise<void>
  /** Add the organisation's compliance archive where its policy requires it (default true; the archive's own device: false). */
  archiveAuto?: boolean
  /** How delivered receipts are coalesced in large groups (docs/protocol.md §2 `receipt`; defaults: above 20 members, over 2.5–5 s). */
  receipts?: ReceiptOptions
}

/** One decrypted application content, as it arrived. */
export interface ReceivedContent {
  groupId: string
  seq: number
  messageId: string
  /** The server's sentAt of the delivery. */
  sentAt: number
  /** The MLS epoch it was sent in. */
  epoch: number
  sender: { userId: string; deviceId: string }
  content: Content
  /** The content's encoded bytes. */
  plaintext: Uint8Array
}

/**
 * Something the user must see: their own account has a device none of their devices enrolled,
 * the server offered a device for someone that the key directory does not prove (refused), or
 * the server kept an access receipt from them that their directory entry commits to
 * (`version`: that entry's version, null when only the numbering shows a gap; `handed`: how
 * many committed receipts the server did hand over), or a sender's device saw a directory or
 * access log the server cannot prove is the one this device sees (a split view, §2.3).
 */
import type { MemberReport } from './recovery.ts'

export type SecurityAlert =
  | { kind: 'unknown_device'; deviceId: string; publicKey: string; version: number }
  | { kind: 'unverified_device'; userId: string; deviceId: string }
  | { kind: 'receipt_withheld'; version: number | null; handed: number; reason: string }
  | SplitViewAlert
  /** A checkpoint of the organisation's audit trail that does not extend the one this device remembered (§4.8): the log was forked or rewritten. */
  | OrgAuditForkAlert

export interface ClientEvents extends Record<string, unknown> {
  message: MessageRecord
  /** `reset`: the conversation moved onto a new MLS group (docs/protocol.md §5.4); its id stays. */
  conversation: { id: string; change: 'joined' | 'members' | 'removed' | 'left' | 'reset' | 'rejoined' | 'renamed' | 'avatar' }
  /** A record changed after it arrived: edited, deleted, reacted to, or a recipient's delivered/read state (history() shows it). */
  update: { conversation: string; id: string }
  /** A member started or stopped typing (shown for 5 s unless renewed); never stored. */
  typing: { conversation: string; userId: string; on: boolean }
  /** A member reported, signed, that it cannot process a commit in a conversation (§5.3); checked against its key. */
  report: MemberReport
  connection: ConnectionState
  enrolment: { deviceId: string }
  /** The person's recovery key approved a new device of theirs (docs/protocol.md §4.2): show it; revoke it if it was not them. */
  recovered_device: { deviceId: string }
  /** This device approved a new device and the organisation's policy holds it for an admin's approval (devices.adminApproval). */
  held_device: { deviceId: string }
  /** An admin approved that device; this device added it to its conversations. */
  admin_approved_device: { deviceId: string }
  /** This device sent the history the person asked for to a device an admin approved after holding it (§4.2). */
  held_history_sent: { deviceId: string; transferred: number }
  /** A stranger's first conversation arrived as a contact request (client.requests). */
  request: { requestId: string; from: string; groupId: string }
  /** One of this person's devices accepted or declined a request. */
  request_settled: { requestId: string; state: 'accepted' | 'declined' }
  /**
   * The legal holds that apply to this person changed (the server's notice `legal_holds_changed`,
   * docs/protocol.md §11.10): a hold placed with its notice due, a delayed hold's notice date
   * came, or one was released. Carries nothing: read them again (`compliance.myHolds`, `holdsOnConversation`).
   */
  legal_holds: Record<string, never>
  /**
   * This device made a change the organisation's directory asked for in a linked conversation
   * (docs/protocol.md §5.9): it added or removed these people by a commit (the members see the
   * ordinary "X added Y" line).
   */
  directory_members: { conversation: string; org: string; scimGroupId: string; displayName: string; added: string[]; removed: string[] }
  alert: SecurityAlert
  error: { where: string; error: unknown }
  /**
   * One of this device's messages changed status: a recipient device reported it could not
   * decrypt it (`failedFor`: every recipient that did so far).
   */
  status: { conversation: string; id: string; status: 'failed'; failedFor: FailedFor[] }
  /** Records deleted from this device because their disappearing timer ran out. */
  expired: { conversation: string; ids: string[] }
  /** The conversation's disappearing timer changed (a member set it, or it was learnt on joining). */
  timer: { conversation: string; ms: number | null }
  /**
   * A compliance archive is a member of a conversation this device is in: it was just added,
   * or this device just joined a conversation that has one. Show it to the person.
   */
  archive: { conversation: string; userId: string }
  /**
   * The server ended this device's session: `revoked` (from another of the person's devices),
   * `suspended` (by an admin), `erased` (the account), `logged_out`: the device stops
   * connecting and cannot send; show sessionEndedText(reason) instead of a composer.
   * `expired`: the token ran out before the device renewed it; it signs in again by itself.
   */
  session_ended: { reason: SessionEndReason }
  /** A display name this device knows changed (a member's profile message, or this person's own). */
  profile: { userId: string; displayName: string }
  /** A user's picture changed (avatarOf has the new one). */
  avatar: { userId: string }
}

/** A conversation's MLS cipher suite (docs/protocol.md §5.0), as `encryptionOf` tells it. */
export interface ConversationEncryption {
  /** The suite's name, e.g. MLS_256_XWING_AES256GCM_SHA512_Ed25519. */
  suite: string
  /** Its code point: 83 (post-quantum, provisional) or 1. */
  suiteId: number
  postQuantum: boolean
  /** For people: "post-quantum (X-Wing + X25519, provisional suite 83)" or "classic (X25519, suite 1)". */
  label: string
}

export interface Reader {
  userId: string
  devices: Array<{ deviceId: string; verified: boolean; self: boolean }>
  kind: 'person' | 'bot' | 'archive'
  /**
   * For an archive: whether this person's organisation's verified policy names it (docs/protocol.md
   * §11.2). An archive that is not named is shown flagged, and this device does not send there.
   */
  recognised?: boolean
  /** For an archive not recognised: not named by the policy, or named with a key its officers' ceremony did not publish (§11.2). */
  problem?: 'not_named' | 'key_unproven'
}
