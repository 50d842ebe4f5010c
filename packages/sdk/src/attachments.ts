// Files in conversations (docs/protocol.md §2 AttachmentRef, §2.4 blob routes). Sending: the
// file is encrypted on this device in chunks under a fresh key as it is read, uploaded to the
// conversation's group in pieces (each piece kept until the server acknowledged it, so a cut
// connection resumes where the server says it is), completed, and then announced by an MLS
// `text` message carrying the key, the plaintext's SHA-256, size, name and media type. The
// server sees ciphertext and its size only. Receiving: the blob is read (resuming with a Range
// after a cut), each chunk decrypted and authenticated as it arrives, the hash checked at the end.
import {
  ATTACHMENT_CHUNK_SIZE,
  AttachmentDecryptor,
  AttachmentEncryptor,
  AttachmentError,
  encryptedSize,
} from '@candor/crypto'
import { CONTENT_LIMITS, CandorError, fromBase64Url, toBase64Url, type AttachmentRef, type Thumbnail } from '@candor/protocol'
import type { BlobTransfer } from './blob-transfer.ts'

/** Encrypted bytes sent per request: big enough for throughput, small enough to resend after a cut. */
export const UPLOAD_PIECE_BYTES = 1024 * 1024
/** Cut connections an upload or download survives in a row before it gives up. */
const MAX_RETRIES = 8

export interface Progress {
  /** Bytes of the blob (ciphertext) uploaded or downloaded so far, and in all. */
  done: number
  total: number
}

export interface FileToSend {
  /** The file's name as recipients see it (1–255 characters, no control characters). */
  name: string
  /** Its media type, e.g. `application/pdf` (no parameters). */
  type: string
  /** The file in memory… */
  bytes?: Uint8Array
  /** …or read as a stream (never whole in memory), with its `size` in bytes. */
  stream?: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>
  size?: number
  /** A caption sent with it (may be empty). */
  text?: string
  /**
   * A small preview made on this device (docs/protocol.md §2 AttachmentRef `thumbnail`: an
   * image of at most 16 KiB, sides 1–4,096): it travels inside the encrypted message only.
   */
  thumbnail?: Thumbnail
  onProgress?: (p: Progress) => void
}

export interface UploadedAttachment {
  ref: AttachmentRef
}

async function* readStream(s: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in s) {
    yield* s as AsyncIterable<Uint8Array>
    return
  }
  const reader = (s as ReadableStream<Uint8Array>).getReader()
  for (;;) {
    const r = await reader.read()
    if (r.done) return
    yield r.value
  }
}

const retryable = (e: unknown): boolean => e instanceof CandorError && e.code === 'unavailable'
const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)))

/** Refuses, before anything is uploaded, a thumbnail the message's encoding would refuse after (§2). */
function checkThumbnail(t: Thumbnail): void {
  const side = CONTENT_LIMITS.thumbnailSide
  const bytes = fromBase64Url(t.data)
  if (!/^image\/[a-z0-9.+-]+$/i.test(t.mediaType)) throw new CandorError('bad_request', 'thumbnail.mediaType: must be an image type such as image/webp')
  if (!bytes || bytes.length > CONTENT_LIMITS.thumbnailBytes) throw new CandorError('bad_request', `thumbnail.data: must be at most ${CONTENT_LIMITS.thumbnailBytes} bytes in base64url`)
  for (const [k, v] of [['width', t.width], ['height', t.height]] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > side) throw new CandorError('bad_request', `thumbnail.${k}: must be a whole number from 1 to ${side}`)
  }
}

export class Attachments {
  readonly #transfer: BlobTransfer

  constructor(transfer: BlobTransfer) {
    this.#transfer = transfer
  }

  /** Encrypts and uploads a file into the group; the reference its message carries. */
  async upload(groupId: string, file: FileToSend): Promise<AttachmentRef> {
    const size = file.bytes ? file.bytes.length : file.size
    if (file.bytes === undefined && file.stream === undefined) throw new CandorError('bad_request', 'a file needs bytes or a stream')
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw new CandorError('bad_request', 'a streamed file needs its size in bytes')
    if (file.thumbnail) checkThumbnail(file.thumbnail)
    const chunkSize = ATTACHMENT_CHUNK_SIZE
    const total = encryptedSize(size, chunkSize)
    const blob = await this.#transfer.create(groupId, total)
    const enc = new AttachmentEncryptor({ chunkSize })
    const source = file.bytes ? [file.bytes] : readStream(file.stream!)
    let sent = 0
    let piece = new Uint8Array(UPLOAD_PIECE_BYTES)
    let filled = 0
    const flush = async () => {
      if (filled === 0) return
      await this.#putPiece(blob.blobId, sent, piece.subarray(0, filled))
      sent += filled
      filled = 0
      file.onProgress?.({ done: sent, total })
    }
    for await (const sealed of enc.encrypt(source)) {
      if (sent + filled + sealed.length > total) throw new CandorError('bad_request', `the file is longer than the ${size} bytes it was said to have`)
      for (let at = 0; at < sealed.length; ) {
        const n = Math.min(sealed.length - at, piece.length - filled)
        piece.set(sealed.subarray(at, at + n), filled)
        filled += n
        at += n
        if (filled === piece.length) {
          await flush()
          piece = new Uint8Array(UPLOAD_PIECE_BYTES)
        }
      }
    }
    await flush()
    if (enc.size !== size) throw new CandorError('bad_request', `the file had ${enc.size} bytes, not the ${size} it was said to have`)
    await this.#retrying(() => this.#transfer.complete(blob.blobId))
    return {
      blob: blob.blobId,
      name: file.name,
      mediaType: file.type,
      size,
      sha256: toBase64Url(enc.sha256),
      key: toBase64Url(enc.key),
      chunkSize,
      ...(file.thumbnail ? { thumbnail: file.thumbnail } : {}),
    }
  }

  /** Stores `bytes` at `offset`, resuming from what the server says it has after a cut or a lost answer. */
  async #putPiece(blobId: string, offset: number, bytes: Uint8Array): Promise<void> {
    let at = 0
    for (let failures = 0; at < bytes.length; ) {
      let received: number
      try {
        received = await this.#transfer.put(blobId, offset + at, bytes.subarray(at))
      } catch (e) {
        if (e instanceof CandorError && e.code === 'wrong_offset' && typeof e.details?.received === 'number') {
          received = e.details.received
        } else if (retryable(e) && failures < MAX_RETRIES) {
          await pause(failures++)
          try {
            received = (await this.#transfer.info(blobId)).received
          } catch (again) {
            if (retryable(again)) continue
            throw again
          }
        } else {
          throw e
        }
      }
      if (received < offset || received > offset + bytes.length) {
        throw new CandorError('internal', `the server holds ${received} bytes of the upload, outside the piece at ${offset}`)
      }
      at = received - offset
    }
  }

  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await fn()
      } catch (e) {
        if (!retryable(e) || failures >= MAX_RETRIES) throw e
        await pause(failures)
      }
    }
  }

  /**
   * Downloads and decrypts an attachment, handing each authenticated plaintext chunk to `sink`
   * in order; resolves once the whole file is there and its SHA-256 is the message's. Throws
   * (AttachmentError of @candor/crypto) when the blob is not the attachment the message
   * describes: a sink writing a file keeps it only once this resolved.
   */
  async download(ref: AttachmentRef, sink: (plain: Uint8Array) => void | Promise<void>, onProgress?: (p: Progress) => void): Promise<void> {
    const dec = new AttachmentDecryptor({ key: fromBase64Url(ref.key)!, chunkSize: ref.chunkSize, size: ref.size, sha256: fromBase64Url(ref.sha256)! })
    const total = dec.blobSize
    const held = await this.#retrying(() => this.#transfer.info(ref.blob))
    if (held.size !== total) throw new AttachmentError(`the server's blob has ${held.size} bytes, the message says ${total}`)
    for (let failures = 0; dec.received < total; ) {
      try {
        for await (const piece of this.#transfer.read(ref.blob, dec.received)) {
          for (const plain of await dec.push(piece)) await sink(plain)
          onProgress?.({ done: dec.received, total })
        }
        // An answer that ended early without an error: asked again from where it stopped.
        if (dec.received < total) throw new CandorError('unavailable', 'the download ended early')
      } catch (e) {
        if (!retryable(e) || failures >= MAX_RETRIES) throw e
        await pause(failures++)
      }
    }
    dec.finish()
    await this.#acknowledge(ref.blob)
  }

  /**
   * Tells the server this device has the file, so the blob goes once every recipient has
   * (docs/protocol.md §2.4 Lifecycle). The file is here whatever the answer: the uploader's own
   * device is no recipient (forbidden), and a lost answer leaves the blob to its expiry.
   */
  async #acknowledge(blobId: string): Promise<void> {
    await this.#transfer.fetched(blobId).catch(() => false)
  }

  /** Downloads and decrypts an attachment into memory (small files; streams go through download()). */
  async downloadBytes(ref: AttachmentRef, onProgress?: (p: Progress) => void): Promise<Uint8Array> {
    const out = new Uint8Array(ref.size)
    let at = 0
    await this.download(
      ref,
      (p) => {
        out.set(p, at)
        at += p.length
      },
      onProgress,
    )
    return out
  }
}
