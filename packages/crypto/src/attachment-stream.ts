// Attachments in chunks (docs/protocol.md §2, "Chunk format"): a fresh AES-256-GCM key per
// file; the plaintext is cut into chunks of `chunkSize` bytes (the last may be shorter, and is
// empty only for an empty file); chunk i is sealed with nonce = 8 zero bytes ‖ i as a 32-bit
// big-endian integer and additional data of one byte, 0x01 on the last chunk and 0x00 on every
// other. The blob is the concatenation of the sealed chunks. So a blob cut short, a chunk
// moved, swapped or replaced, or a key that is not the sender's fails to decrypt; the SHA-256 of
// the whole plaintext (carried in the message) is checked once the last chunk is open.
// Neither side holds the whole file: encryption reads one chunk ahead, decryption buffers at
// most one sealed chunk. AES-GCM comes from WebCrypto (or @noble/ciphers where there is none).
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, constantTimeEqual, toBufferSource as buf } from './bytes.ts';

/** The chunk size devices write (plaintext bytes per chunk). */
export const ATTACHMENT_CHUNK_SIZE = 64 * 1024;
/** The largest chunk size a reader accepts (§2: `chunkSize` 1 to 16 MiB). */
export const MAX_ATTACHMENT_CHUNK_SIZE = 16 * 1024 * 1024;
const TAG = 16;
/** Chunk indexes are 32 bits. */
const MAX_CHUNKS = 2 ** 32;

const LAST = new Uint8Array([1]);
const NOT_LAST = new Uint8Array([0]);

function checkChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_ATTACHMENT_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be a whole number from 1 to ${MAX_ATTACHMENT_CHUNK_SIZE}`);
  }
}

/** How many chunks a plaintext of `size` bytes has (an empty file has one, empty). */
export function chunkCount(size: number, chunkSize: number): number {
  checkChunkSize(chunkSize);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('size must be a safe integer ≥ 0');
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** The blob's length for a plaintext of `size` bytes: what the uploader declares. */
export function encryptedSize(size: number, chunkSize: number): number {
  return size + TAG * chunkCount(size, chunkSize);
}

export function chunkNonce(index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CHUNKS) throw new RangeError('chunk index out of range');
  const n = new Uint8Array(12);
  new DataView(n.buffer).setUint32(8, index, false);
  return n;
}

export function newAttachmentKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}

/** One AES-256-GCM key, sealing and opening single chunks. */
class ChunkCipher {
  readonly #key: Uint8Array;
  #webKey: Promise<CryptoKey> | undefined;

  constructor(key: Uint8Array) {
    assertBytes(key, 'key', 32);
    this.#key = key.slice();
    const s = globalThis.crypto?.subtle;
    if (s) this.#webKey = s.importKey('raw', buf(this.#key), 'AES-GCM', false, ['encrypt', 'decrypt']);
  }

  async seal(index: number, last: boolean, plain: Uint8Array): Promise<Uint8Array> {
    const iv = chunkNonce(index);
    const aad = last ? LAST : NOT_LAST;
    if (this.#webKey) {
      const k = await this.#webKey;
      return new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(plain)));
    }
    return gcm(this.#key, iv, aad).encrypt(plain);
  }

  async open(index: number, last: boolean, sealed: Uint8Array): Promise<Uint8Array> {
    const iv = chunkNonce(index);
    const aad = last ? LAST : NOT_LAST;
    try {
      if (this.#webKey) {
        const k = await this.#webKey;
        return new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(sealed)));
      }
      return gcm(this.#key, iv, aad).decrypt(sealed);
    } catch (e) {
      throw new AttachmentError(`attachment chunk ${index} failed authentication`, { cause: e });
    }
  }
}

/** A blob that is not the attachment its message describes: tampered, cut short, too long or under another key. */
export class AttachmentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AttachmentError';
  }
}

/** Re-cuts a stream of byte pieces of any sizes into pieces of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(size);
  let filled = 0;
  for await (const piece of source) {
    assertBytes(piece, 'attachment piece');
    let at = 0;
    while (at < piece.length) {
      const n = Math.min(size - filled, piece.length - at);
      pending.set(piece.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === size) {
        yield pending;
        pending = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield pending.subarray(0, filled);
}

/**
 * Encrypts a stream. `encrypt()` yields the sealed chunks in order; once it has finished,
 * `size` and `sha256` describe the plaintext it read (what the message carries).
 */
export class AttachmentEncryptor {
  readonly key: Uint8Array;
  readonly chunkSize: number;
  readonly #cipher: ChunkCipher;
  #size = 0;
  #hash: Uint8Array | undefined;
  #started = false;

  constructor(options: { key?: Uint8Array; chunkSize?: number } = {}) {
    this.chunkSize = options.chunkSize ?? ATTACHMENT_CHUNK_SIZE;
    checkChunkSize(this.chunkSize);
    this.key = options.key ? options.key.slice() : newAttachmentKey();
    this.#cipher = new ChunkCipher(this.key);
  }

  async *encrypt(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    if (this.#started) throw new Error('an AttachmentEncryptor encrypts one stream');
    this.#started = true;
    const hash = sha256.create();
    let index = 0;
    // One chunk of look-ahead: a chunk is sealed as last only when the stream has ended.
    let held: Uint8Array | undefined;
    for await (const chunk of rechunk(source, this.chunkSize)) {
      if (held) {
        yield await this.#cipher.seal(index++, false, held);
      }
      hash.update(chunk);
      this.#size += chunk.length;
      held = chunk;
    }
    yield await this.#cipher.seal(index, true, held ?? new Uint8Array(0));
    this.#hash = hash.digest();
  }

  /** Plaintext bytes read; final once encrypt() has finished. */
  get size(): number {
    return this.#size;
  }

  /** SHA-256 of the plaintext; only after encrypt() has finished. */
  get sha256(): Uint8Array {
    if (!this.#hash) throw new Error('the attachment has not been encrypted to its end yet');
    return this.#hash;
  }
}

export interface AttachmentSecrets {
  key: Uint8Array;
  chunkSize: number;
  /** The plaintext's size the message states. */
  size: number;
  /** The plaintext's SHA-256 the message states. */
  sha256: Uint8Array;
}

/**
 * Decrypts a blob fed in pieces of any size (a resumed download just goes on feeding).
 * `push` returns the plaintext of every chunk it could open, each authenticated under the key
 * and in its place; `finish` throws unless the blob ended exactly after its last chunk and the
 * plaintext's SHA-256 is the one the message stated. A caller writing to a file writes to a
 * temporary name and keeps it only once `finish` has returned.
 */
export class AttachmentDecryptor {
  readonly #secrets: AttachmentSecrets;
  readonly #cipher: ChunkCipher;
  readonly #chunks: number;
  readonly #hash = sha256.create();
  readonly #buffer: Uint8Array;
  #filled = 0;
  #index = 0;
  #received = 0;
  #done = false;

  constructor(secrets: AttachmentSecrets) {
    checkChunkSize(secrets.chunkSize);
    assertBytes(secrets.sha256, 'sha256', 32);
    this.#chunks = chunkCount(secrets.size, secrets.chunkSize);
    if (this.#chunks > MAX_CHUNKS) throw new RangeError('attachment has too many chunks');
    this.#secrets = { ...secrets };
    this.#cipher = new ChunkCipher(secrets.key);
    this.#buffer = new Uint8Array(secrets.chunkSize + TAG);
  }

  /** Bytes of the blob fed so far: where a resumed download continues. */
  get received(): number {
    return this.#received;
  }

  /** The blob's expected length. */
  get blobSize(): number {
    return encryptedSize(this.#secrets.size, this.#secrets.chunkSize);
  }

  async push(piece: Uint8Array): Promise<Uint8Array[]> {
    assertBytes(piece, 'blob piece');
    if (this.#done) throw new Error('the attachment is finished');
    if (this.#received + piece.length > this.blobSize) throw new AttachmentError('the blob is longer than its message states');
    this.#received += piece.length;
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < piece.length) {
      const want = this.#sealedLength(this.#index);
      const n = Math.min(want - this.#filled, piece.length - at);
      this.#buffer.set(piece.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === want) {
        const last = this.#index === this.#chunks - 1;
        const plain = await this.#cipher.open(this.#index, last, this.#buffer.slice(0, want));
        this.#hash.update(plain);
        out.push(plain);
        this.#index++;
        this.#filled = 0;
      }
    }
    return out;
  }

  finish(): void {
    if (this.#done) return;
    if (this.#index !== this.#chunks) throw new AttachmentError(`the blob ended after ${this.#received} of ${this.blobSize} bytes`);
    this.#done = true;
    if (!constantTimeEqual(this.#hash.digest(), this.#secrets.sha256)) throw new AttachmentError('the attachment does not match its SHA-256');
  }

  #sealedLength(index: number): number {
    const { size, chunkSize } = this.#secrets;
    if (index < this.#chunks - 1) return chunkSize + TAG;
    return size - chunkSize * (this.#chunks - 1) + TAG;
  }
}

/** Encrypts bytes already in memory: the sealed blob and what its message carries. */
export async function encryptAttachmentBytes(
  bytes: Uint8Array,
  chunkSize = ATTACHMENT_CHUNK_SIZE,
): Promise<{ blob: Uint8Array; secrets: AttachmentSecrets }> {
  const enc = new AttachmentEncryptor({ chunkSize });
  const parts: Uint8Array[] = [];
  for await (const c of enc.encrypt([bytes])) parts.push(c);
  const blob = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    blob.set(p, at);
    at += p.length;
  }
  return { blob, secrets: { key: enc.key, chunkSize, size: enc.size, sha256: enc.sha256 } };
}

/** Decrypts a whole blob in memory (throws AttachmentError on any mismatch). */
export async function decryptAttachmentBytes(blob: Uint8Array, secrets: AttachmentSecrets): Promise<Uint8Array> {
  const dec = new AttachmentDecryptor(secrets);
  const parts = await dec.push(blob);
  dec.finish();
  const out = new Uint8Array(secrets.size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
