// A conversation's picture (docs/protocol.md "Conversation avatars"): an inline thumbnail in a
// `conversation` message, checked here before anything is sent so a bad one changes nothing.
import { CONTENT_LIMITS, CandorError, fromBase64Url, type Thumbnail } from '@candor/protocol'

export function checkConversationAvatar(t: Thumbnail | null): Thumbnail | null {
  if (t === null) return null
  const bytes = typeof t?.data === 'string' ? fromBase64Url(t.data) : undefined
  const sideOk = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= CONTENT_LIMITS.thumbnailSide
  if (typeof t?.mediaType !== 'string' || !/^image\/[a-z0-9.+-]+$/i.test(t.mediaType) || !bytes || bytes.length === 0 || bytes.length > CONTENT_LIMITS.thumbnailBytes || !sideOk(t.width) || !sideOk(t.height)) {
    throw new CandorError('bad_request', `avatar: an image thumbnail of 1–${CONTENT_LIMITS.thumbnailBytes} bytes, sides 1–${CONTENT_LIMITS.thumbnailSide}`)
  }
  return { mediaType: t.mediaType, width: t.width, height: t.height, data: t.data }
}
