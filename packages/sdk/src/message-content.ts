// What travels inside MLS application messages: a small versioned JSON document. The id
// inside is what a device de-duplicates on, so a server cannot make one message show twice.
import { CandorError, fromUtf8, utf8 } from '@candor/protocol'

export type Content =
  /**
   * `timer`: the disappearing timer (seconds) the sender's device applied when it sent the
   * message; receivers delete it after the shorter of this and their own timer for the
   * conversation, so a member who missed the timer message still deletes on time.
   */
  | { v: 1; type: 'text'; id: string; text: string; sentAt: number; timer?: number }
  | { v: 1; type: 'leave'; id: string; sentAt: number }
  /** A member set the conversation's disappearing timer (whole seconds; null: off). */
  | { v: 1; type: 'timer'; id: string; sentAt: number; seconds: number | null }

const MAX_TEXT = 64 * 1024
/** The server accepts at most ten years; anything longer is not a timer a member set. */
export const MAX_TIMER_SECONDS = 10 * 366 * 24 * 3600

export function isTimerSeconds(s: unknown): s is number {
  return typeof s === 'number' && Number.isSafeInteger(s) && s > 0 && s <= MAX_TIMER_SECONDS
}

export function encodeContent(c: Content): Uint8Array {
  return utf8(JSON.stringify(c))
}

export function decodeContent(bytes: Uint8Array): Content {
  let c: unknown
  try {
    c = JSON.parse(fromUtf8(bytes))
  } catch (e) {
    throw new CandorError('invalid_mls_message', 'message content is not JSON', { cause: e })
  }
  const o = c as Record<string, unknown>
  if (typeof o !== 'object' || o === null || o.v !== 1 || typeof o.id !== 'string' || typeof o.sentAt !== 'number') {
    throw new CandorError('invalid_mls_message', 'message content has an unknown shape')
  }
  if (o.type === 'text' && typeof o.text === 'string' && o.text.length <= MAX_TEXT) {
    if (o.timer === undefined) return { v: 1, type: 'text', id: o.id, text: o.text, sentAt: o.sentAt }
    if (isTimerSeconds(o.timer)) return { v: 1, type: 'text', id: o.id, text: o.text, sentAt: o.sentAt, timer: o.timer }
    throw new CandorError('invalid_mls_message', 'message timer is not a whole number of seconds in range')
  }
  if (o.type === 'leave') return { v: 1, type: 'leave', id: o.id, sentAt: o.sentAt }
  if (o.type === 'timer') {
    if (o.seconds === null || isTimerSeconds(o.seconds)) return { v: 1, type: 'timer', id: o.id, sentAt: o.sentAt, seconds: o.seconds }
    throw new CandorError('invalid_mls_message', 'timer seconds must be null or a whole number of seconds in range')
  }
  throw new CandorError('invalid_mls_message', `unknown message type ${String(o.type)}`)
}
