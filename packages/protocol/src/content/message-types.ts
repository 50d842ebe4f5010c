// The content types about messages people write (§2): text, edit, delete, reaction, and the
// delivered/read and typing state around them.
import { attachmentRef } from './attachment-ref.ts'
import {
  CONTENT_LIMITS,
  type DeleteContent,
  type EditContent,
  type ReactionContent,
  type ReceiptContent,
  type ReplyRef,
  type TextContent,
  type TypingContent,
} from './content-types.ts'
import { boolean, fields, list, messageId, oneOf, optional, refuse, textOfBytes, textOfChars, userId, utf8Length, type CommonFields, type Fields } from './content-fields.ts'

function mentions(v: unknown, field: string) {
  return list(v, field, 0, CONTENT_LIMITS.mentions, userId)
}

function replyTo(v: unknown, field: string): ReplyRef {
  const o = fields(v, field)
  return {
    id: messageId(o.id, `${field}.id`),
    from: userId(o.from, `${field}.from`),
    excerpt: textOfChars(o.excerpt, `${field}.excerpt`, CONTENT_LIMITS.excerptChars),
  }
}

export function decodeText(o: Fields, common: CommonFields): TextContent {
  return {
    type: 'text',
    ...common,
    text: textOfBytes(o.text, 'text', CONTENT_LIMITS.textBytes),
    ...optional(o, 'mentions', '', mentions),
    ...optional(o, 'replyTo', '', replyTo),
    ...optional(o, 'attachments', '', (v, f) => list(v, f, 0, CONTENT_LIMITS.attachments, attachmentRef)),
  }
}

export function decodeEdit(o: Fields, common: CommonFields): EditContent {
  return {
    type: 'edit',
    ...common,
    target: messageId(o.target, 'target'),
    text: textOfBytes(o.text, 'text', CONTENT_LIMITS.textBytes),
    ...optional(o, 'mentions', '', mentions),
  }
}

export function decodeDelete(o: Fields, common: CommonFields): DeleteContent {
  return { type: 'delete', ...common, target: messageId(o.target, 'target') }
}

let graphemes: Intl.Segmenter | undefined

function emoji(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw refuse(field, 'must be one grapheme cluster')
  if (v.length > CONTENT_LIMITS.emojiBytes || utf8Length(v) > CONTENT_LIMITS.emojiBytes) throw refuse(field, `is longer than ${CONTENT_LIMITS.emojiBytes} UTF-8 bytes`)
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  let n = 0
  for (const _ of graphemes.segment(v)) if (++n > 1) throw refuse(field, 'must be one grapheme cluster')
  return v
}

export function decodeReaction(o: Fields, common: CommonFields): ReactionContent {
  return { type: 'reaction', ...common, target: messageId(o.target, 'target'), emoji: emoji(o.emoji, 'emoji'), on: boolean(o.on, 'on') }
}

export function decodeReceipt(o: Fields, common: CommonFields): ReceiptContent {
  return {
    type: 'receipt',
    ...common,
    kind: oneOf(o.kind, 'kind', ['delivered', 'read'] as const),
    ids: list(o.ids, 'ids', 1, CONTENT_LIMITS.receiptIds, messageId),
  }
}

export function decodeTyping(o: Fields, common: CommonFields): TypingContent {
  return { type: 'typing', ...common, on: boolean(o.on, 'on') }
}
