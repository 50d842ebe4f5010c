// The public face of the conversation features (CandorClient.features): each call takes a
// conversation id, as the rest of the client does, and works on the MLS group it uses now.
import type { Thumbnail } from '@candor/protocol'
import { checkConversationAvatar } from './conversation-avatar.ts'
import type { MessageRecord } from './message-record.ts'
import type { ConversationInfo, MessageFeatures } from './message-features.ts'
import type { Typing } from './typing.ts'

export type { ConversationInfo } from './message-features.ts'

export class ConversationFeatures {
  readonly #f: MessageFeatures
  readonly #typing: Typing
  readonly #group: (conversation: string) => string
  readonly #conversationOf: (group: string) => string

  constructor(f: MessageFeatures, typing: Typing, group: (conversation: string) => string, conversationOf: (group: string) => string) {
    this.#f = f
    this.#typing = typing
    this.#group = group
    this.#conversationOf = conversationOf
  }

  #c(conversation: string): string {
    return this.#conversationOf(this.#group(conversation))
  }

  /** Sends `text` as a reply quoting message `messageId` (an excerpt of it), optionally mentioning users. */
  reply(conversation: string, messageId: string, text: string, mentions: readonly string[] = []): Promise<MessageRecord> {
    return this.#f.sendText(this.#group(conversation), text, { replyTo: messageId, mentions })
  }

  /** Sends a text mentioning users (highlighted for them). */
  sendMentioning(conversation: string, text: string, mentions: readonly string[]): Promise<MessageRecord> {
    return this.#f.sendText(this.#group(conversation), text, { mentions })
  }

  /** Replaces the text of one of this person's messages everywhere; every device keeps the earlier texts. */
  edit(conversation: string, messageId: string, text: string, mentions?: readonly string[]): Promise<void> {
    return this.#f.edit(this.#group(conversation), messageId, text, mentions)
  }

  /** Deletes one of this person's messages for everyone: its text, attachments and reactions are erased on every device. */
  delete(conversation: string, messageId: string): Promise<void> {
    return this.#f.delete(this.#group(conversation), messageId)
  }

  /** Adds (or with `on` false withdraws) this person's reaction `emoji` (one grapheme) to a message. */
  react(conversation: string, messageId: string, emoji: string, on = true): Promise<void> {
    return this.#f.react(this.#group(conversation), messageId, emoji, on)
  }

  /** Renames the conversation for every member (null removes the name). */
  rename(conversation: string, name: string | null): Promise<void> {
    return this.#f.setInfo(this.#group(conversation), { name })
  }

  setTopic(conversation: string, topic: string | null): Promise<void> {
    return this.#f.setInfo(this.#group(conversation), { topic })
  }

  /** Sets the conversation's picture for every member (an image thumbnail ≤ 16 KiB, inline; null removes it). */
  async setAvatar(conversation: string, avatar: Thumbnail | null): Promise<void> {
    const checked = checkConversationAvatar(avatar)
    await this.#f.setInfo(this.#group(conversation), { avatar: checked })
  }

  /** Name, topic, picture (from the members' `conversation` messages; the last in queue order wins), pinned and muted (this device only). */
  info(conversation: string): ConversationInfo {
    return this.#f.info(this.#c(conversation))
  }

  pin(conversation: string, pinned = true): Promise<void> {
    return this.#f.setPrefs(this.#c(conversation), { pinned })
  }

  mute(conversation: string, muted = true): Promise<void> {
    return this.#f.setPrefs(this.#c(conversation), { muted })
  }

  /** Marks the conversation read; its senders are told unless read receipts are off. Returns how many messages it marked. */
  markRead(conversation: string): Promise<number> {
    return this.#f.markRead(this.#group(conversation))
  }

  unread(conversation: string): Promise<number> {
    return this.#f.unread(this.#group(conversation))
  }

  get readReceipts(): boolean {
    return this.#f.readReceipts
  }

  /** Turns this person's read receipts on or off (on this device). */
  setReadReceipts(on: boolean): Promise<void> {
    return this.#f.setReadReceipts(on)
  }

  /** Tells the members online now that this person is typing (or stopped); renew it within 5 s to keep it shown. */
  typing(conversation: string, on = true): Promise<void> {
    return this.#typing.send(this.#group(conversation), on)
  }

  /** Users shown as typing in the conversation now. */
  typingIn(conversation: string): string[] {
    return this.#typing.typing(this.#c(conversation))
  }

  /** Resolves once the delivered receipts queued so far were sent (for short-lived programs). */
  flushReceipts(): Promise<void> {
    return this.#f.flush()
  }
}
