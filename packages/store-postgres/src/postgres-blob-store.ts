// Blobs in PostgreSQL (many nodes): a `blobs` row per blob and its bytes as `blob_chunks` rows
// (bytea), one per append, keyed by the offset they start at. An append locks the blob's row,
// checks the offset against `received` and writes the chunk and the new `received` in one
// transaction, so of two nodes appending at one offset exactly one succeeds.
import { CandorError, ERASED_DEVICE_ID, parseBlobId, type DeviceId } from '@candor/protocol'
import type { BlobId, BlobStat, BlobStore, NewBlob } from '@candor/ports'
import { bytes, connect, migrate, transaction, type ConnectOptions, type Sql } from './connection.ts'

interface Row {
  owner: DeviceId
  size: number
  received: number
  complete: boolean
  created_at: number
}

function toStat(r: Row): BlobStat {
  return { owner: r.owner, size: r.size, received: r.received, complete: r.complete, createdAt: r.created_at }
}

function badRequest(message: string): CandorError {
  return new CandorError('bad_request', message)
}

export class PostgresBlobStore implements BlobStore {
  readonly #sql: Sql

  private constructor(sql: Sql) {
    this.#sql = sql
  }

  /** Connects and brings the schema (the Store's migrations, which hold the blob tables) up to date. */
  static async open(url: string, opts: ConnectOptions = {}): Promise<PostgresBlobStore> {
    const { sql, schema } = connect(url, opts)
    try {
      await migrate(sql, schema)
    } catch (e) {
      await sql.end({ timeout: 1 })
      throw e
    }
    return new PostgresBlobStore(sql)
  }

  async create(blob: NewBlob): Promise<BlobStat> {
    if (!Number.isSafeInteger(blob.size) || blob.size < 1) throw badRequest('size must be a safe integer ≥ 1')
    if (!Number.isSafeInteger(blob.createdAt)) throw badRequest('createdAt must be a safe integer')
    parseBlobId(blob.blobId, 'blobId')
    await this.#sql`
      INSERT INTO blobs (blob_id, owner, size, received, complete, created_at)
      VALUES (${blob.blobId}, ${blob.owner}, ${blob.size}, 0, false, ${blob.createdAt})
      ON CONFLICT (blob_id) DO NOTHING`
    const s = await this.stat(blob.blobId)
    if (!s) throw new CandorError('not_found', 'the blob was deleted while it was created')
    if (s.owner !== blob.owner || s.size !== blob.size) throw new CandorError('duplicate', 'a blob with this id exists')
    return s
  }

  async append(blobId: BlobId, offset: number, chunk: Uint8Array): Promise<number> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest('offset must be a safe integer ≥ 0')
    if (chunk.length === 0) throw badRequest('an empty chunk')
    return transaction(this.#sql, async (tx) => {
      const [r] = await tx<Row[]>`SELECT owner, size, received, complete, created_at FROM blobs WHERE blob_id = ${blobId} FOR UPDATE`
      if (!r) throw new CandorError('not_found', 'no such blob')
      if (r.complete || offset + chunk.length > r.size) {
        throw new CandorError('body_too_large', `the blob holds ${r.size} bytes`, { details: { size: r.size, received: r.received } })
      }
      if (offset !== r.received) throw new CandorError('wrong_offset', `the next byte is at ${r.received}`, { details: { received: r.received } })
      await tx`INSERT INTO blob_chunks (blob_id, start, data) VALUES (${blobId}, ${offset}, ${Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)})`
      await tx`UPDATE blobs SET received = ${offset + chunk.length} WHERE blob_id = ${blobId}`
      return offset + chunk.length
    })
  }

  async complete(blobId: BlobId): Promise<void> {
    const [r] = await this.#sql<Row[]>`SELECT owner, size, received, complete, created_at FROM blobs WHERE blob_id = ${blobId}`
    if (!r) throw new CandorError('not_found', 'no such blob')
    if (r.complete) return
    if (r.received < r.size) throw new CandorError('blob_incomplete', `${r.received} of ${r.size} bytes arrived`, { details: { size: r.size, received: r.received } })
    await this.#sql`UPDATE blobs SET complete = true WHERE blob_id = ${blobId} AND received = size`
  }

  async read(blobId: BlobId, offset: number, length: number): Promise<Uint8Array> {
    const s = await this.stat(blobId)
    if (!s) throw new CandorError('not_found', 'no such blob')
    if (!s.complete) throw new CandorError('blob_incomplete', 'the blob is not complete', { details: { size: s.size, received: s.received } })
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > s.size) throw badRequest(`offset must be within [0, ${s.size}]`)
    if (!Number.isSafeInteger(length) || length < 1) throw badRequest('length must be a safe integer ≥ 1')
    const end = Math.min(s.size, offset + length)
    const out = new Uint8Array(end - offset)
    if (out.length === 0) return out
    const rows = await this.#sql<{ start: number; data: Buffer }[]>`
      SELECT start, substring(data FROM greatest(1, ${offset} - start + 1)::int FOR (${end} - greatest(start, ${offset}))::int) AS data
      FROM blob_chunks
      WHERE blob_id = ${blobId} AND start < ${end}
        AND start >= coalesce((SELECT max(start) FROM blob_chunks WHERE blob_id = ${blobId} AND start <= ${offset}), 0)
      ORDER BY start`
    for (const r of rows) out.set(bytes(r.data), Math.max(r.start, offset) - offset)
    return out
  }

  async stat(blobId: BlobId): Promise<BlobStat | null> {
    const [r] = await this.#sql<Row[]>`SELECT owner, size, received, complete, created_at FROM blobs WHERE blob_id = ${blobId}`
    return r ? toStat(r) : null
  }

  async delete(blobId: BlobId): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      await tx`DELETE FROM blob_chunks WHERE blob_id = ${blobId}`
      return (await tx`DELETE FROM blobs WHERE blob_id = ${blobId}`).count > 0
    })
  }

  async listCreatedBefore(createdBefore: number, which: 'incomplete' | 'all', limit: number): Promise<BlobId[]> {
    const rows = await this.#sql<{ blob_id: BlobId }[]>`
      SELECT blob_id FROM blobs
      WHERE created_at < ${createdBefore} AND (${which === 'all'} OR NOT complete)
      ORDER BY created_at, blob_id LIMIT ${Math.max(0, limit)}`
    return rows.map((r) => r.blob_id)
  }

  async eraseOwner(owner: DeviceId): Promise<number> {
    return transaction(this.#sql, async (tx) => {
      const gone = await tx<{ blob_id: string }[]>`DELETE FROM blobs WHERE owner = ${owner} AND NOT complete RETURNING blob_id`
      if (gone.length > 0) await tx`DELETE FROM blob_chunks WHERE blob_id = ANY(${gone.map((g) => g.blob_id)}::text[])`
      const kept = await tx`UPDATE blobs SET owner = ${ERASED_DEVICE_ID} WHERE owner = ${owner} AND complete`
      return gone.length + kept.count
    })
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 })
  }
}
