// Blobs in a folder (one node, the default: `<data>/blobs`). Each blob is two files: `<id>.json`
// (owner, declared size, creation time) and its bytes, `<id>.part` while the upload runs and
// `<id>.blob` once complete — the rename is atomic, so a reader never sees a half-written
// blob as complete. Appends go through one queue per blob, are fsynced before they are
// acknowledged, and the offset check reads the file's length, so the file is the only truth.
// A crash between a write and its fsync leaves at most bytes the uploader was not told were
// stored; it asks again from `received`, which is the length on disk.
import { mkdir, open, readFile, readdir, rename, rm, stat as fsStat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CandorError, ERASED_DEVICE_ID, parseBlobId, type DeviceId } from '@candor/protocol'
import type { BlobId, BlobStat, BlobStore, NewBlob } from '@candor/ports'

interface Meta {
  owner: DeviceId
  size: number
  createdAt: number
}

function badRequest(message: string): CandorError {
  return new CandorError('bad_request', message)
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT'
}

export class FolderBlobStore implements BlobStore {
  readonly #dir: string
  /** The tail of each blob's queue of operations (appends, completion, deletion). */
  readonly #queues = new Map<string, Promise<unknown>>()

  private constructor(dir: string) {
    this.#dir = dir
  }

  /** Opens (creating) the folder. Leftover temporary metadata files of a crash are removed. */
  static async open(dir: string): Promise<FolderBlobStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    for (const f of await readdir(dir)) if (f.endsWith('.tmp')) await rm(join(dir, f), { force: true })
    return new FolderBlobStore(dir)
  }

  #path(id: string, ext: 'json' | 'part' | 'blob'): string {
    // The id is checked before it becomes part of a file name.
    parseBlobId(id, 'blobId')
    return join(this.#dir, `${id}.${ext}`)
  }

  /** Runs fn after every earlier operation on the same blob. */
  #serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#queues.get(id) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => undefined)
    this.#queues.set(id, tail)
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id)
    })
    return next
  }

  async #meta(id: string): Promise<Meta | null> {
    try {
      return JSON.parse(await readFile(this.#path(id, 'json'), 'utf8')) as Meta
    } catch (e) {
      if (isNotFound(e)) return null
      throw e
    }
  }

  async #writeMeta(id: string, m: Meta): Promise<void> {
    const tmp = join(this.#dir, `${id}.json.${process.pid}.tmp`)
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(JSON.stringify(m))
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, this.#path(id, 'json'))
  }

  async #length(path: string): Promise<number | null> {
    try {
      return (await fsStat(path)).size
    } catch (e) {
      if (isNotFound(e)) return null
      throw e
    }
  }

  async #stat(id: string): Promise<BlobStat | null> {
    const m = await this.#meta(id)
    if (!m) return null
    const done = await this.#length(this.#path(id, 'blob'))
    if (done !== null) return { owner: m.owner, size: m.size, received: done, complete: true, createdAt: m.createdAt }
    const received = await this.#length(this.#path(id, 'part'))
    if (received === null) {
      // Completed (renamed) between the two looks, or deleted.
      const now = await this.#length(this.#path(id, 'blob'))
      if (now !== null) return { owner: m.owner, size: m.size, received: now, complete: true, createdAt: m.createdAt }
      return null
    }
    return { owner: m.owner, size: m.size, received, complete: false, createdAt: m.createdAt }
  }

  create(blob: NewBlob): Promise<BlobStat> {
    if (!Number.isSafeInteger(blob.size) || blob.size < 1) return Promise.reject(badRequest('size must be a safe integer ≥ 1'))
    if (!Number.isSafeInteger(blob.createdAt)) return Promise.reject(badRequest('createdAt must be a safe integer'))
    parseBlobId(blob.blobId, 'blobId')
    return this.#serial(blob.blobId, async () => {
      const existing = await this.#stat(blob.blobId)
      if (existing) {
        if (existing.owner === blob.owner && existing.size === blob.size) return existing
        throw new CandorError('duplicate', 'a blob with this id exists')
      }
      await writeFile(this.#path(blob.blobId, 'part'), new Uint8Array(0), { mode: 0o600 })
      await this.#writeMeta(blob.blobId, { owner: blob.owner, size: blob.size, createdAt: blob.createdAt })
      return { owner: blob.owner, size: blob.size, received: 0, complete: false, createdAt: blob.createdAt }
    })
  }

  append(blobId: BlobId, offset: number, chunk: Uint8Array): Promise<number> {
    if (!Number.isSafeInteger(offset) || offset < 0) return Promise.reject(badRequest('offset must be a safe integer ≥ 0'))
    if (chunk.length === 0) return Promise.reject(badRequest('an empty chunk'))
    return this.#serial(blobId, async () => {
      const s = await this.#stat(blobId)
      if (!s) throw new CandorError('not_found', 'no such blob')
      if (s.complete || offset + chunk.length > s.size) {
        throw new CandorError('body_too_large', `the blob holds ${s.size} bytes`, { details: { size: s.size, received: s.received } })
      }
      if (offset !== s.received) {
        throw new CandorError('wrong_offset', `the next byte is at ${s.received}`, { details: { received: s.received } })
      }
      const fh = await open(this.#path(blobId, 'part'), 'r+')
      try {
        await fh.write(chunk, 0, chunk.length, offset)
        await fh.sync()
      } finally {
        await fh.close()
      }
      return offset + chunk.length
    })
  }

  complete(blobId: BlobId): Promise<void> {
    return this.#serial(blobId, async () => {
      const s = await this.#stat(blobId)
      if (!s) throw new CandorError('not_found', 'no such blob')
      if (s.complete) return
      if (s.received < s.size) {
        throw new CandorError('blob_incomplete', `${s.received} of ${s.size} bytes arrived`, { details: { size: s.size, received: s.received } })
      }
      await rename(this.#path(blobId, 'part'), this.#path(blobId, 'blob'))
    })
  }

  async read(blobId: BlobId, offset: number, length: number): Promise<Uint8Array> {
    const s = await this.#stat(blobId)
    if (!s) throw new CandorError('not_found', 'no such blob')
    if (!s.complete) throw new CandorError('blob_incomplete', 'the blob is not complete', { details: { size: s.size, received: s.received } })
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > s.size) throw badRequest(`offset must be within [0, ${s.size}]`)
    if (!Number.isSafeInteger(length) || length < 1) throw badRequest('length must be a safe integer ≥ 1')
    const n = Math.min(length, s.size - offset)
    const out = new Uint8Array(n)
    if (n === 0) return out
    let fh
    try {
      fh = await open(this.#path(blobId, 'blob'), 'r')
    } catch (e) {
      // Deleted between the stat and the open.
      if (isNotFound(e)) throw new CandorError('not_found', 'no such blob')
      throw e
    }
    try {
      let at = 0
      while (at < n) {
        const { bytesRead } = await fh.read(out, at, n - at, offset + at)
        if (bytesRead === 0) break
        at += bytesRead
      }
      return at === n ? out : out.subarray(0, at)
    } finally {
      await fh.close()
    }
  }

  stat(blobId: BlobId): Promise<BlobStat | null> {
    return this.#stat(blobId)
  }

  delete(blobId: BlobId): Promise<boolean> {
    return this.#serial(blobId, async () => {
      const m = await this.#meta(blobId)
      await rm(this.#path(blobId, 'part'), { force: true })
      await rm(this.#path(blobId, 'blob'), { force: true })
      await rm(this.#path(blobId, 'json'), { force: true })
      return m !== null
    })
  }

  async listCreatedBefore(createdBefore: number, which: 'incomplete' | 'all', limit: number): Promise<BlobId[]> {
    const found: Array<{ id: BlobId; createdAt: number }> = []
    for (const f of await readdir(this.#dir)) {
      if (!f.endsWith('.json')) continue
      const id = f.slice(0, -'.json'.length) as BlobId
      const s = await this.#stat(id)
      if (!s || s.createdAt >= createdBefore) continue
      if (which === 'incomplete' && s.complete) continue
      found.push({ id, createdAt: s.createdAt })
    }
    found.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    return found.slice(0, Math.max(0, limit)).map((f) => f.id)
  }

  async eraseOwner(owner: DeviceId): Promise<number> {
    let n = 0
    for (const f of await readdir(this.#dir)) {
      if (!f.endsWith('.json')) continue
      const id = f.slice(0, -'.json'.length) as BlobId
      n += await this.#serial(id, async () => {
        const s = await this.#stat(id)
        if (!s || s.owner !== owner) return 0
        if (!s.complete) {
          await rm(this.#path(id, 'part'), { force: true })
          await rm(this.#path(id, 'json'), { force: true })
        } else {
          await this.#writeMeta(id, { owner: ERASED_DEVICE_ID, size: s.size, createdAt: s.createdAt })
        }
        return 1
      })
    }
    return n
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()])
  }
}
