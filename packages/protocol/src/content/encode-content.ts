// Writers write version 2 (§2). What is written is first read back by the one decoder, so a
// device never sends what a reader would refuse; bad input is the caller's (bad_request).
import { utf8 } from '../bytes.ts'
import { CandorError } from '../errors.ts'
import type { Seen, SendableContent } from './content-types.ts'
import { decodeContent } from './decode-content.ts'

export const CONTENT_VERSION = 2

/** Encodes a content as version 2; `seen` is required of every writer (possibly `{}`). */
export function encodeContent(c: SendableContent & { readonly seen: Seen }): Uint8Array {
  const wire: Record<string, unknown> = { v: CONTENT_VERSION, ...c }
  wire.v = CONTENT_VERSION
  let read
  try {
    read = decodeContent(utf8(JSON.stringify(wire)))
  } catch (e) {
    if (!(e instanceof CandorError)) throw e
    throw new CandorError('bad_request', e.message, { cause: e, ...(e.details ? { details: { ...e.details } } : {}) })
  }
  if (read.type === 'unsupported') throw new CandorError('bad_request', `cannot send message content of type ${String(c.type)}`, { details: { field: 'type' } })
  // Re-encoded from what was read: only the fields of §2 leave the device.
  return utf8(JSON.stringify({ v: CONTENT_VERSION, ...read }))
}
