// AttachmentRef (§2): what a message carries about an uploaded, encrypted attachment. The
// name, media type and thumbnail exist only inside the MLS ciphertext; the server sees the
// blob's ciphertext and size.
import { fromBase64Url } from '../bytes.ts'
import { CONTENT_LIMITS, type AttachmentRef, type Thumbnail } from './content-types.ts'
import { base64Bytes, blobId, fields, integer, optional, refuse, textOfChars } from './content-fields.ts'

/** RFC 6838 `type/subtype` (restricted names, no parameters). */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i

function mediaType(v: unknown, field: string): string {
  if (typeof v !== 'string' || !MEDIA_TYPE.test(v)) throw refuse(field, 'must be a media type such as image/png')
  return v
}

export function thumbnail(v: unknown, field: string): Thumbnail {
  const o = fields(v, field)
  const side = CONTENT_LIMITS.thumbnailSide
  const data = o.data
  // The data is checked for size before it is decoded.
  if (typeof data !== 'string' || data.length > Math.ceil((CONTENT_LIMITS.thumbnailBytes * 4) / 3) || !fromBase64Url(data)) {
    throw refuse(`${field}.data`, `must be at most ${CONTENT_LIMITS.thumbnailBytes} bytes in canonical base64url`)
  }
  return {
    mediaType: mediaType(o.mediaType, `${field}.mediaType`),
    width: integer(o.width, `${field}.width`, 1, side),
    height: integer(o.height, `${field}.height`, 1, side),
    data,
  }
}

export function attachmentRef(v: unknown, field: string): AttachmentRef {
  const o = fields(v, field)
  return {
    blob: blobId(o.blob, `${field}.blob`),
    name: textOfChars(o.name, `${field}.name`, CONTENT_LIMITS.attachmentNameChars, { name: true }),
    mediaType: mediaType(o.mediaType, `${field}.mediaType`),
    size: integer(o.size, `${field}.size`, 0),
    sha256: base64Bytes(o.sha256, `${field}.sha256`, 32),
    key: base64Bytes(o.key, `${field}.key`, 32),
    chunkSize: integer(o.chunkSize, `${field}.chunkSize`, 1, CONTENT_LIMITS.maxChunkSize),
    ...optional(o, 'thumbnail', `${field}.`, thumbnail),
  }
}
