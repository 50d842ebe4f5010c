// Attachment blobs (docs/protocol.md §2.4). The server holds ciphertext and its size, nothing
// else: a member device of a group declares a blob's size and gets its id, uploads it in pieces
// at the offset the store says (resuming after a cut connection), completes it, and the group's
// member devices — only they — read it, from any offset (Range) so a download resumes too, and
// say when they have it (the blob goes once every recipient has: blob-lifecycle.ts).
// Whose quota, which group and who uploaded: the Store's binding; the bytes: the BlobStore.
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  CandorError,
  LIMITS,
  createBlobRequest,
  newBlobId,
  parseBlobId,
  parseGroupId,
  type BlobInfo,
  type DeviceId,
  type GroupId,
} from '@candor/protocol'
import type { BlobBinding, BlobId, BlobStat, BlobStore } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import type { Session } from '../auth/tokens.ts'
import { parseBody, parseParam } from './parse.ts'
import { recordFetch, sealAtCompletion } from '../delivery/blob-lifecycle.ts'

/** How much of a blob is read from the store at a time while a download streams. */
const READ_PIECE = 1024 * 1024

function blobStore(ctx: AppContext): BlobStore {
  if (!ctx.blobs) throw new CandorError('unavailable', 'this server keeps no attachments')
  return ctx.blobs
}

function blobParam(params: unknown): BlobId {
  return parseParam(params, 'blobId', parseBlobId) as BlobId
}

async function requireMember(ctx: AppContext, groupId: GroupId, deviceId: DeviceId): Promise<void> {
  const group = await ctx.store.getGroup(groupId)
  if (!group) throw new CandorError('unknown_group', 'no such group')
  if (!group.members.includes(deviceId)) throw new CandorError('not_member', 'this device is not a member of the group')
}

/** The blob, its binding and stat, for a device of the group it was uploaded to. */
async function memberBlob(ctx: AppContext, blobId: BlobId, s: Session): Promise<{ binding: BlobBinding; stat: BlobStat }> {
  const store = blobStore(ctx)
  const binding = await ctx.store.blobGroup(blobId)
  if (!binding) throw new CandorError('not_found', 'no such blob')
  await requireMember(ctx, binding.groupId, s.deviceId)
  const stat = await store.stat(blobId)
  if (!stat) throw new CandorError('not_found', 'no such blob')
  return { binding, stat }
}

/** As memberBlob, and the caller must be the device that created the blob. */
async function uploaderBlob(ctx: AppContext, blobId: BlobId, s: Session): Promise<BlobStat> {
  const { stat } = await memberBlob(ctx, blobId, s)
  if (stat.owner !== s.deviceId) throw new CandorError('forbidden', 'only the uploading device may write this blob')
  return stat
}

function info(blobId: BlobId, groupId: GroupId, st: BlobStat): BlobInfo {
  return { blobId, groupId, size: st.size, received: st.received, complete: st.complete, createdAt: st.createdAt }
}

/** `?offset=N`: a safe integer ≥ 0, written canonically. */
function offsetQuery(query: unknown): number {
  const v = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).offset : undefined
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new CandorError('bad_request', 'offset: must be a whole number ≥ 0')
  }
  return Number(v)
}

/** A `Range: bytes=N-` or `bytes=N-M` header (one range), as [start, end) within the blob; null without one. */
export function parseRange(header: unknown, size: number): [number, number] | null {
  if (header === undefined) return null
  const m = typeof header === 'string' ? /^bytes=(\d{1,16})-(\d{0,16})$/.exec(header.trim()) : null
  if (!m) throw new CandorError('bad_request', 'Range: only one range, bytes=N- or bytes=N-M')
  const start = Number(m[1])
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1)
  if (start >= size || end <= start) {
    throw new CandorError('bad_request', `Range: must start within the blob's ${size} bytes`, { details: { size } })
  }
  return [start, end]
}

async function* pieces(store: BlobStore, blobId: BlobId, start: number, end: number): AsyncGenerator<Uint8Array> {
  for (let at = start; at < end; ) {
    const piece = await store.read(blobId, at, Math.min(READ_PIECE, end - at))
    if (piece.length === 0) return
    yield piece
    at += piece.length
  }
}

export function blobRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Blob bytes arrive raw. The parser only hands the body over; the route bounds its size, and
  // a request without a valid session is refused before its body is read (onRequest below).
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: LIMITS.blobRequestBytes }, (_req, body, done) => done(null, body))
  const sessions = new WeakMap<FastifyRequest, Session>()

  app.post('/v1/groups/:groupId/blobs', async (req, reply): Promise<BlobInfo> => {
    const s = await authenticate(ctx, req)
    const groupId = parseParam(req.params, 'groupId', parseGroupId)
    const { size } = parseBody(createBlobRequest, req.body)
    const store = blobStore(ctx)
    await requireMember(ctx, groupId, s.deviceId)
    if (size > LIMITS.blobBytes) {
      throw new CandorError('body_too_large', `a blob holds at most ${LIMITS.blobBytes} bytes`, { details: { limit: LIMITS.blobBytes } })
    }
    // The uploader's organisation may allow less (its policy's attachments.maxBytes).
    const m = await ctx.store.membershipOf(s.userId)
    const policyMax = m ? (await ctx.policies.current(m.org)).attachments.maxBytes : LIMITS.blobBytes
    if (size > policyMax) {
      throw new CandorError('body_too_large', `your organisation's policy allows attachments of at most ${policyMax} bytes`, { details: { limit: policyMax, policy: true } })
    }
    const quota = ctx.blobPolicy.quotaBytes
    const used = await ctx.store.blobBytesOf(s.userId)
    if (used + size > quota) {
      throw new CandorError('quota_exceeded', `this upload would take your stored attachments past your quota of ${quota} bytes (${used} used)`, {
        details: { quota, used },
      })
    }
    const blobId = newBlobId() as BlobId
    const createdAt = Date.now()
    if (!(await ctx.store.bindBlob({ blobId, groupId, uploader: s.userId, size, boundAt: createdAt }))) {
      throw new CandorError('internal', 'a fresh blob id was taken')
    }
    let stat: BlobStat
    try {
      stat = await store.create({ blobId, owner: s.deviceId, size, createdAt })
    } catch (e) {
      await ctx.store.unbindBlob(blobId)
      throw e
    }
    reply.code(201)
    return info(blobId, groupId, stat)
  })

  app.put(
    '/v1/blobs/:blobId',
    {
      bodyLimit: LIMITS.blobRequestBytes,
      onRequest: async (req) => {
        sessions.set(req, await authenticate(ctx, req))
      },
    },
    async (req) => {
      const s = sessions.get(req)!
      const blobId = blobParam(req.params)
      const offset = offsetQuery(req.query)
      await uploaderBlob(ctx, blobId, s)
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw new CandorError('bad_request', 'the body must be the next bytes of the blob (application/octet-stream, not empty)')
      }
      const body = req.body
      return { received: await blobStore(ctx).append(blobId, offset, new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) }
    },
  )

  app.post('/v1/blobs/:blobId/complete', async (req): Promise<BlobInfo> => {
    const s = await authenticate(ctx, req)
    const blobId = blobParam(req.params)
    await uploaderBlob(ctx, blobId, s)
    const store = blobStore(ctx)
    await store.complete(blobId)
    const { binding, stat } = await memberBlob(ctx, blobId, s)
    await sealAtCompletion(ctx.store, ctx.policies, ctx.blobPolicy.retentionMs, binding, s.deviceId, Date.now())
    return info(blobId, binding.groupId, stat)
  })

  // A recipient has the file (its hash matched): once every recipient has, the blob goes (§2.4 Lifecycle).
  app.post('/v1/blobs/:blobId/fetched', async (req): Promise<{ deleted: boolean }> => {
    const s = await authenticate(ctx, req)
    const blobId = blobParam(req.params)
    await memberBlob(ctx, blobId, s)
    return { deleted: await recordFetch(ctx.store, blobStore(ctx), blobId, s.deviceId, Date.now()) }
  })

  app.get('/v1/blobs/:blobId', async (req): Promise<BlobInfo> => {
    const s = await authenticate(ctx, req)
    const blobId = blobParam(req.params)
    const { binding, stat } = await memberBlob(ctx, blobId, s)
    return info(blobId, binding.groupId, stat)
  })

  app.get('/v1/blobs/:blobId/content', async (req, reply) => {
    const s = await authenticate(ctx, req)
    const blobId = blobParam(req.params)
    const { stat } = await memberBlob(ctx, blobId, s)
    if (!stat.complete) {
      throw new CandorError('blob_incomplete', 'the blob is still being uploaded', { details: { size: stat.size, received: stat.received } })
    }
    const range = parseRange(req.headers.range, stat.size)
    const [start, end] = range ?? [0, stat.size]
    void reply
      .code(range ? 206 : 200)
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(end - start))
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, no-store')
    if (range) void reply.header('content-range', `bytes ${start}-${end - 1}/${stat.size}`)
    return reply.send(Readable.from(pieces(blobStore(ctx), blobId, start, end), { objectMode: false }))
  })
}
