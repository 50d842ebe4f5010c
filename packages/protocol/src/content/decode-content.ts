// The one decoder of message content (§2). Version 1 and 2 objects decode to the same
// types; a `type` or `v` this version does not know becomes an `unsupported` value for the
// reader to show, so one new kind of message never breaks a conversation. A known type with
// a malformed field is refused with a CandorError naming the field.
import { fromUtf8 } from '../bytes.ts'
import { CandorError } from '../errors.ts'
import { isMessageId } from '../ids.ts'
import { LIMITS } from '../limits.ts'
import { CONTENT_LIMITS, isTimerSeconds, type Content, type SendableContent, type UnsupportedContent } from './content-types.ts'
import { fields, integer, messageId, optional, refuse, seen, type CommonFields, type Fields } from './content-fields.ts'
import { decodeArchive, decodeConversation, decodeJoin, decodeLeave, decodeMembers, decodeProfile, decodeTimer, timerSeconds } from './conversation-types.ts'
import { decodeDelete, decodeEdit, decodeReaction, decodeReceipt, decodeText, decodeTyping } from './message-types.ts'
import { decodeReset, decodeUndecryptable } from './recovery-types.ts'

type Decoder = (o: Fields, common: CommonFields) => SendableContent

const V2 = new Map<string, Decoder>([
  ['text', decodeText],
  ['edit', decodeEdit],
  ['delete', decodeDelete],
  ['reaction', decodeReaction],
  ['receipt', decodeReceipt],
  ['typing', decodeTyping],
  ['timer', decodeTimer],
  ['leave', decodeLeave],
  ['conversation', decodeConversation],
  ['profile', decodeProfile],
  ['members', decodeMembers],
  ['join', decodeJoin],
  ['undecryptable', decodeUndecryptable],
  ['reset', decodeReset],
  ['archive', decodeArchive],
])

/** Version 1 had three types; its text was limited in UTF-16 units and only it carried a timer. */
const V1 = new Map<string, Decoder>([
  [
    'text',
    (o, common) => ({
      type: 'text',
      ...common,
      text: textOfV1(o.text),
      ...optional(o, 'timer', '', timerSeconds),
    }),
  ],
  ['leave', decodeLeave],
  ['timer', decodeTimer],
])

function textOfV1(v: unknown): string {
  if (typeof v !== 'string') throw refuse('text', 'must be a string')
  if (v.length > CONTENT_LIMITS.v1TextLength) throw refuse('text', `is longer than ${CONTENT_LIMITS.v1TextLength} characters`)
  return v
}

function commonV1(o: Fields): CommonFields {
  return { id: messageId(o.id, 'id'), sentAt: integer(o.sentAt, 'sentAt', 0) }
}

function commonV2(o: Fields): CommonFields {
  if (o.seen === undefined) throw refuse('seen', 'must be present (an object, possibly empty)')
  return { id: messageId(o.id, 'id'), sentAt: integer(o.sentAt, 'sentAt', 0), seen: seen(o.seen, 'seen'), ...optional(o, 'timer', '', timerSeconds) }
}

/** Keeps what it can of the common fields; none of them can make an unknown type refused. */
function unsupported(o: Fields, v: number, type: string): UnsupportedContent {
  let s: UnsupportedContent['seen']
  if (v === 2) {
    try {
      s = seen(o.seen, 'seen')
    } catch {
      s = undefined
    }
  }
  return {
    type: 'unsupported',
    v,
    wireType: type.slice(0, 64),
    ...(isMessageId(o.id) ? { id: o.id } : {}),
    ...(typeof o.sentAt === 'number' && Number.isSafeInteger(o.sentAt) && o.sentAt >= 0 ? { sentAt: o.sentAt } : {}),
    ...(s === undefined ? {} : { seen: s }),
    ...(v === 2 && isTimerSeconds(o.timer) ? { timer: o.timer } : {}),
  }
}

/** Decodes the plaintext of an MLS application message; throws only CandorError('invalid_mls_message'). */
export function decodeContent(bytes: Uint8Array): Content {
  if (!(bytes instanceof Uint8Array)) throw refuse('content', 'must be bytes')
  // Nothing larger fits in a frame; checked before parsing.
  if (bytes.length > LIMITS.messageBytes) throw refuse('content', `is larger than ${LIMITS.messageBytes} bytes`)
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(bytes))
  } catch (e) {
    throw new CandorError('invalid_mls_message', 'message content is not UTF-8 JSON', { cause: e, details: { field: 'content' } })
  }
  const o = fields(value, 'content')
  const v = o.v
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw refuse('v', 'must be a version number')
  const type = o.type
  if (typeof type !== 'string' || type.length === 0) throw refuse('type', 'must be a string')
  if (v === 1) {
    const decode = V1.get(type)
    return decode ? decode(o, commonV1(o)) : unsupported(o, v, type)
  }
  if (v === 2) {
    if (bytes.length > CONTENT_LIMITS.contentBytes) throw refuse('content', `is larger than ${CONTENT_LIMITS.contentBytes} bytes`)
    const decode = V2.get(type)
    return decode ? decode(o, commonV2(o)) : unsupported(o, v, type)
  }
  return unsupported(o, v, type)
}
