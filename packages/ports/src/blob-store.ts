// Where large ciphertext lives: attachments (files up to 100 MB, encrypted on the device in
// chunks) and history transfers between a user's devices. Uploads and downloads go in pieces
// and resume after a broken connection. One node keeps blobs in a folder under --data, many
// nodes in PostgreSQL; both implement this interface.
//
// Division of work: the server decides who may create, read or delete a blob and checks
// sizes against its limits (the largest blob, the owner's quota, the largest chunk one request
// may carry) before it calls the store. The store enforces what only it can check atomically:
// the offset of each append and that a blob never grows past the size declared at creation.
// Every refusal is a CandorError from @candor/protocol and changes nothing.
import type { DeviceId } from '@candor/protocol'

/** A blob's id: 128 random bits in base64url (like message ids), chosen by its creator. */
export type BlobId = string & { readonly __brand: 'BlobId' }

export interface NewBlob {
  blobId: BlobId
  /** The uploading device. */
  owner: DeviceId
  /** Total bytes the finished blob will hold (the ciphertext with its chunk framing). */
  size: number
  /** Milliseconds since the epoch, the server's clock; what expiry is measured from. */
  createdAt: number
}

export interface BlobStat {
  owner: DeviceId
  size: number
  /** Bytes stored so far, which is also the offset the next append must use. */
  received: number
  /** True once complete() was called: the blob is readable and never changes again. */
  complete: boolean
  createdAt: number
}

export interface BlobStore {
  /**
   * Creates an empty blob and returns its stat.
   * - `size` not a safe integer ≥ 1, or `createdAt` not a safe integer → CandorError('bad_request').
   * - The id exists with the same owner and size: returns its current stat unchanged, so a
   *   create retried after a lost answer lets the uploader resume from `received`.
   * - The id exists with another owner or size → CandorError('duplicate').
   */
  create(blob: NewBlob): Promise<BlobStat>

  /**
   * Stores `chunk` at `offset` and returns the new `received`. It resolves only once the
   * bytes are durable, so a byte acknowledged once is never asked for again.
   * - `offset` ≠ `received` → CandorError('wrong_offset', details `{ received }`). This is what
   *   makes uploads resumable and retries idempotent: a chunk stored before its answer was lost
   *   is refused when sent again, and the uploader carries on from `received`. Of two
   *   concurrent appends at one offset (two connections, two nodes) one is stored, the other
   *   gets wrong_offset.
   * - `offset + chunk.length` > `size` → CandorError('body_too_large', details `{ size, received }`);
   *   this is also the answer for any further bytes once a blob has all of them.
   * - An empty chunk or an offset that is not a safe integer ≥ 0 → CandorError('bad_request').
   * - No such blob → CandorError('not_found').
   * The store puts no limit on one chunk's length: the caller's request limit does.
   */
  append(blobId: BlobId, offset: number, chunk: Uint8Array): Promise<number>

  /**
   * Marks a blob whose bytes have all arrived as complete; from then on it can be read.
   * Completing a complete blob is a no-op (a retried call).
   * - `received` < `size` → CandorError('blob_incomplete', details `{ size, received }`).
   * - No such blob → CandorError('not_found').
   */
  complete(blobId: BlobId): Promise<void>

  /**
   * Bytes `[offset, offset + length)` of a complete blob, fewer only where the blob ends
   * (none at `offset` = `size`). A download resumes by asking from the offset it has.
   * - Not complete → CandorError('blob_incomplete', details `{ size, received }`).
   * - `offset` outside `[0, size]` or `length` not a safe integer ≥ 1 → CandorError('bad_request').
   * - No such blob → CandorError('not_found').
   */
  read(blobId: BlobId, offset: number, length: number): Promise<Uint8Array>

  /** The blob's state, or null if there is none. */
  stat(blobId: BlobId): Promise<BlobStat | null>

  /** Deletes a blob and its bytes, complete or not; false if there was none. */
  delete(blobId: BlobId): Promise<boolean>

  /**
   * Ids of blobs created before `createdBefore`, oldest first, at most `limit`; with
   * `'incomplete'` only uploads never completed. The store keeps no expiry policy of its own:
   * the server deletes what it finds here (abandoned uploads sooner than delivered attachments,
   * which follow their conversation's retention).
   */
  listCreatedBefore(createdBefore: number, which: 'incomplete' | 'all', limit: number): Promise<BlobId[]>

  /**
   * For account erasure: deletes the device's incomplete uploads and hands its complete blobs
   * to `ERASED_DEVICE_ID` (@candor/protocol), so attachments of messages already sent stay
   * readable by their recipients while nothing stored links them to the erased account.
   * Returns how many blobs it deleted or handed over.
   */
  eraseOwner(owner: DeviceId): Promise<number>

  close(): Promise<void>
}
