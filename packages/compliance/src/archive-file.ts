// The archive's copy of an attachment (docs/protocol.md §11.4 "Attachment files"): the archive
// downloads each file a message names when it receives the message (it is a recipient, so the
// blob is not deleted before it has it), checks it against the message's SHA-256, and keeps it
// sealed to the archive key, like the records: one HPKE (RFC 9180 base mode, the records' suite)
// context per file, the plaintext cut into 65,536-byte chunks, each sealed by that context in
// order (HPKE's sequence numbers order them) with AAD = "candor/archive-file/v1\n" ‖ record id ‖
// "\n" ‖ attachment index ‖ "\n" ‖ "1" on the last chunk, "0" on the others (so a file cut
// short, renamed to another record's or index's name, or with chunks moved, does not open).
// File: "CAF1" ‖ enc (32 bytes) ‖ the sealed chunks. The plaintext never touches the disk.
import { sha256 } from '@noble/hashes/sha2.js'
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { fromBase64Url, utf8 } from '@candor/protocol'
import { ArchiveRecordError, isRecordId } from './archive-record.ts'

export const ARCHIVE_FILE_CHUNK = 65_536
const TAG = 16
const MAGIC = utf8('CAF1')
const ENC_BYTES = 32
const INFO = utf8('candor/archive-file/v1')
const aad = (record: string, index: number, last: boolean) => utf8(`candor/archive-file/v1\n${record}\n${index}\n${last ? 1 : 0}`).slice().buffer

function suite(): CipherSuite {
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() })
}

const bad = (reason: string) => new ArchiveRecordError('(attachment file)', reason)

/** The file name of attachment `index` of record `record` under the archive's `attachments/`. */
export function archiveFileName(record: string, index: number): string {
  return `${record}-${index}.caf`
}

/** How many bytes the sealed file of a `size`-byte attachment has. */
export function archiveFileSize(size: number): number {
  const chunks = Math.max(1, Math.ceil(size / ARCHIVE_FILE_CHUNK))
  return MAGIC.length + ENC_BYTES + size + TAG * chunks
}

type Sender = Awaited<ReturnType<CipherSuite['createSenderContext']>>

/**
 * Seals one attachment as its plaintext arrives in pieces of any size: `start()` gives the
 * header, `push()` the sealed chunks it could complete, `finish()` the last chunk. Holds one
 * chunk of plaintext at a time.
 */
export class ArchiveFileSealer {
  readonly #record: string
  readonly #index: number
  #ctx: Sender | undefined
  #pending = new Uint8Array(ARCHIVE_FILE_CHUNK)
  #filled = 0
  /** A full chunk held back until we know whether it is the last. */
  #held: Uint8Array | undefined
  #done = false

  constructor(record: string, index: number) {
    if (!isRecordId(record)) throw bad('the record id must be 16 bytes in canonical base64url')
    if (!Number.isSafeInteger(index) || index < 0) throw bad('the attachment index must be a whole number')
    this.#record = record
    this.#index = index
  }

  /** The file's header: "CAF1" ‖ enc. */
  async start(archivePublicKey: Uint8Array): Promise<Uint8Array> {
    if (archivePublicKey.length !== 32) throw bad('the archive key must be 32 bytes (X25519)')
    const s = suite()
    const recipientPublicKey = await s.kem.deserializePublicKey(archivePublicKey.slice().buffer)
    this.#ctx = await s.createSenderContext({ recipientPublicKey, info: INFO.slice().buffer })
    const enc = new Uint8Array(this.#ctx.enc)
    if (enc.length !== ENC_BYTES) throw new Error('unexpected HPKE encapsulation length')
    const out = new Uint8Array(MAGIC.length + ENC_BYTES)
    out.set(MAGIC)
    out.set(enc, MAGIC.length)
    return out
  }

  async #seal(chunk: Uint8Array, last: boolean): Promise<Uint8Array> {
    if (!this.#ctx) throw new Error('start() first')
    return new Uint8Array(await this.#ctx.seal(chunk.slice().buffer, aad(this.#record, this.#index, last)))
  }

  async push(piece: Uint8Array): Promise<Uint8Array[]> {
    if (this.#done) throw new Error('the file is finished')
    const out: Uint8Array[] = []
    for (let at = 0; at < piece.length; ) {
      const n = Math.min(ARCHIVE_FILE_CHUNK - this.#filled, piece.length - at)
      this.#pending.set(piece.subarray(at, at + n), this.#filled)
      this.#filled += n
      at += n
      if (this.#filled === ARCHIVE_FILE_CHUNK) {
        if (this.#held) out.push(await this.#seal(this.#held, false))
        this.#held = this.#pending
        this.#pending = new Uint8Array(ARCHIVE_FILE_CHUNK)
        this.#filled = 0
      }
    }
    return out
  }

  /** The remaining sealed chunks, the last one marked last (an empty file has one empty chunk). */
  async finish(): Promise<Uint8Array[]> {
    if (this.#done) throw new Error('the file is finished')
    this.#done = true
    const out: Uint8Array[] = []
    if (this.#held && this.#filled === 0) {
      out.push(await this.#seal(this.#held, true))
    } else {
      if (this.#held) out.push(await this.#seal(this.#held, false))
      out.push(await this.#seal(this.#pending.subarray(0, this.#filled), true))
    }
    this.#pending.fill(0)
    this.#held?.fill(0)
    return out
  }
}

/**
 * Opens a sealed attachment file with the archive private key and checks it is the file the
 * message named (its size and SHA-256, base64url). Any mismatch throws ArchiveRecordError.
 */
export async function openArchiveFile(
  archivePrivateKey: Uint8Array,
  sealed: Uint8Array,
  record: string,
  index: number,
  expected: { size: number; sha256: string },
): Promise<Uint8Array> {
  if (sealed.length !== archiveFileSize(expected.size) || !MAGIC.every((b, i) => sealed[i] === b)) {
    throw bad(`is not the sealed file of a ${expected.size}-byte attachment (cut short, too long, or not CAF1)`)
  }
  const s = suite()
  const out = new Uint8Array(expected.size)
  // Copies (a Node Buffer's slice shares its pool's ArrayBuffer).
  const part = (from: number, to: number) => new Uint8Array(sealed.subarray(from, to)).buffer
  try {
    const recipientKey = await s.kem.deserializePrivateKey(archivePrivateKey.slice().buffer)
    const ctx = await s.createRecipientContext({ recipientKey, enc: part(MAGIC.length, MAGIC.length + ENC_BYTES), info: INFO.slice().buffer })
    const chunks = Math.max(1, Math.ceil(expected.size / ARCHIVE_FILE_CHUNK))
    let at = MAGIC.length + ENC_BYTES
    for (let i = 0; i < chunks; i++) {
      const plainLen = i < chunks - 1 ? ARCHIVE_FILE_CHUNK : expected.size - ARCHIVE_FILE_CHUNK * (chunks - 1)
      const pt = new Uint8Array(await ctx.open(part(at, at + plainLen + TAG), aad(record, index, i === chunks - 1)))
      out.set(pt, i * ARCHIVE_FILE_CHUNK)
      at += plainLen + TAG
    }
  } catch {
    throw bad(`does not open with this key as attachment ${index} of record ${record}`)
  }
  const want = fromBase64Url(expected.sha256)
  const got = sha256(out)
  if (!want || want.length !== 32 || !want.every((b, i) => b === got[i])) throw bad('does not match the SHA-256 its message names')
  return out
}
