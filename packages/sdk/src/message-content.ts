// What travels inside MLS application messages: a small versioned JSON document. The id
// inside is what a device de-duplicates on, so a server cannot make one message show twice.
import { CandorError, fromUtf8, utf8 } from '@candor/protocol'

export type Content =
  | { v: 1; type: 'text'; id: string; text: string; sentAt: number }
  | { v: 1; type: 'leave'; id: string; sentAt: number }

const MAX_TEXT = 64 * 1024

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
    return { v: 1, type: 'text', id: o.id, text: o.text, sentAt: o.sentAt }
  }
  if (o.type === 'leave') return { v: 1, type: 'leave', id: o.id, sentAt: o.sentAt }
  throw new CandorError('invalid_mls_message', `unknown message type ${String(o.type)}`)
}
