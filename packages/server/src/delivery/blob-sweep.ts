// What happens to attachment blobs nobody will finish or read (docs/protocol.md §2.4): an upload
// still incomplete after its time (LIMITS.blobUploadTtlMs, or the server's setting) is deleted,
// and so is every blob of a group that has no member devices left (everyone left, or every
// member's account was erased), every completed blob whose recipients still in the group have
// all fetched it or whose expiry came (blob-lifecycle.ts). Each run deletes at most `batch` of each kind; the server runs
// it on a timer, and any node may (a blob deleted twice is a no-op).
import type { BlobStore, Store } from '@candor/ports'
import type { Logger } from '../logger.ts'
import { deleteBlob } from './blob-lifecycle.ts'

export interface BlobSweepResult {
  expiredUploads: number
  orphaned: number
  /** Completed blobs every recipient still in the group has fetched. */
  fetched: number
  /** Completed blobs whose retention ended. */
  expired: number
}

export class BlobSweep {
  readonly #store: Store
  readonly #blobs: BlobStore
  readonly #uploadTtlMs: number
  readonly #log: Logger
  readonly #batch: number

  constructor(store: Store, blobs: BlobStore, uploadTtlMs: number, log: Logger, batch = 500) {
    this.#store = store
    this.#blobs = blobs
    this.#uploadTtlMs = uploadTtlMs
    this.#log = log
    this.#batch = batch
  }

  async run(now = Date.now()): Promise<BlobSweepResult> {
    const r: BlobSweepResult = { expiredUploads: 0, orphaned: 0, fetched: 0, expired: 0 }
    for (const id of await this.#blobs.listCreatedBefore(now - this.#uploadTtlMs, 'incomplete', this.#batch)) {
      // Each kind is found by what goes last, so a crash between the two steps leaves what the
      // next run finds again: here the bytes (listed by the blob store), below the binding.
      await this.#store.unbindBlob(id)
      await this.#blobs.delete(id)
      r.expiredUploads++
    }
    for (const id of await this.#store.blobsWithoutMembers(this.#batch)) {
      await this.#blobs.delete(id)
      await this.#store.unbindBlob(id)
      r.orphaned++
    }
    for (const id of await this.#store.blobsFetchedByAll(this.#batch)) {
      await deleteBlob(this.#store, this.#blobs, id)
      r.fetched++
    }
    for (const id of await this.#store.blobsExpired(now, this.#batch)) {
      await deleteBlob(this.#store, this.#blobs, id)
      r.expired++
    }
    if (r.expiredUploads + r.orphaned + r.fetched + r.expired > 0) this.#log.info(r, 'blob sweep')
    return r
  }
}
