// Sealed history archives (docs/protocol.md §4.2): a device of a person uploads the history it
// holds, sealed on the device to one other device of the same person (a transfer, when it
// approved that device) or to the person's recovery key (the backup). The server keeps who sent
// it to whom and its size; the bytes, ciphertext only, go to the BlobStore in pieces, as
// attachments do. Only the person's own devices ever see an archive: the sender writes it, the
// device it is sealed to reads and deletes it, and the backup is readable by any of them (only
// the recovery key opens it). Anyone else — another user, a revoked device — gets `not_found`.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  CandorError,
  LIMITS,
  RECOVERY_APPROVER,
  createArchiveRequest,
  newBlobId,
  parseBlobId,
  type ArchiveInfo,
} from '@candor/protocol'
import type { ArchiveRecord, BlobId, BlobStat, BlobStore } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import type { Session } from '../auth/tokens.ts'
import { parseRange } from './blob-routes.ts'
import { parseBody, parseParam } from './parse.ts'

function blobStore(ctx: AppContext): BlobStore {
  if (!ctx.blobs) throw new CandorError('unavailable', 'this server keeps no blobs')
  return ctx.blobs
}

function info(a: ArchiveRecord, st: BlobStat): ArchiveInfo {
  return { archiveId: a.archiveId, recipient: a.recipient, sender: a.sender, size: a.size, received: st.received, complete: st.complete, createdAt: a.createdAt }
}

function offsetQuery(query: unknown): number {
  const v = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).offset : undefined
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new CandorError('bad_request', 'offset: must be a whole number ≥ 0')
  }
  return Number(v)
}

type Role = 'sender' | 'reader'

/** The archive, if this device may act on it in this role; not_found otherwise (nothing says it exists). */
async function archiveFor(ctx: AppContext, params: unknown, s: Session, role: Role): Promise<{ archive: ArchiveRecord; stat: BlobStat }> {
  const archiveId = parseParam(params, 'archiveId', parseBlobId)
  const archive = await ctx.store.accountRecovery().getArchive(archiveId)
  const allowed =
    archive !== null &&
    archive.userId === s.userId &&
    (role === 'sender' ? archive.sender === s.deviceId : archive.recipient === s.deviceId || archive.recipient === RECOVERY_APPROVER)
  const stat = allowed ? await blobStore(ctx).stat(archiveId as BlobId) : null
  if (!archive || !stat) throw new CandorError('not_found', 'no such archive for this device')
  return { archive, stat }
}

export function archiveRoutes(app: FastifyInstance, ctx: AppContext): void {
  const sessions = new WeakMap<FastifyRequest, Session>()

  app.post('/v1/archives', async (req, reply): Promise<ArchiveInfo> => {
    const s = await authenticate(ctx, req)
    const { recipient, size } = parseBody(createArchiveRequest, req.body)
    const blobs = blobStore(ctx)
    if (size > LIMITS.archiveBytes) {
      throw new CandorError('body_too_large', `an archive holds at most ${LIMITS.archiveBytes} bytes`, { details: { limit: LIMITS.archiveBytes } })
    }
    if (recipient === RECOVERY_APPROVER) {
      if ((await ctx.store.accountRecovery().recoveryKeys(s.userId)).length === 0) throw new CandorError('forbidden', 'set a recovery key first')
    } else {
      const to = await ctx.store.getDevice(recipient)
      if (!to || to.userId !== s.userId || to.status !== 'active' || recipient === s.deviceId) {
        throw new CandorError('forbidden', 'recipient: an archive goes to another active device of yours, or to your recovery key')
      }
    }
    const archive: ArchiveRecord = { archiveId: newBlobId(), userId: s.userId, recipient, sender: s.deviceId, size, createdAt: Date.now() }
    const stat = await blobs.create({ blobId: archive.archiveId as BlobId, owner: s.deviceId, size, createdAt: archive.createdAt })
    const replaced = await ctx.store.accountRecovery().putArchive(archive)
    for (const id of replaced) await blobs.delete(id as BlobId)
    reply.code(201)
    return info(archive, stat)
  })

  app.put(
    '/v1/archives/:archiveId',
    {
      bodyLimit: LIMITS.blobRequestBytes,
      onRequest: async (req) => {
        sessions.set(req, await authenticate(ctx, req))
      },
    },
    async (req) => {
      const s = sessions.get(req)!
      const offset = offsetQuery(req.query)
      const { archive } = await archiveFor(ctx, req.params, s, 'sender')
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw new CandorError('bad_request', 'the body must be the next bytes of the archive (application/octet-stream, not empty)')
      }
      const body = req.body
      return { received: await blobStore(ctx).append(archive.archiveId as BlobId, offset, new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) }
    },
  )

  app.post('/v1/archives/:archiveId/complete', async (req): Promise<ArchiveInfo> => {
    const s = await authenticate(ctx, req)
    const { archive } = await archiveFor(ctx, req.params, s, 'sender')
    await blobStore(ctx).complete(archive.archiveId as BlobId)
    const stat = await blobStore(ctx).stat(archive.archiveId as BlobId)
    if (!stat) throw new CandorError('not_found', 'no such archive for this device')
    return info(archive, stat)
  })

  /** The complete archives this device may read: those sealed to it, and the person's backup. */
  app.get('/v1/archives', async (req): Promise<{ archives: ArchiveInfo[] }> => {
    const s = await authenticate(ctx, req)
    const out: ArchiveInfo[] = []
    for (const a of await ctx.store.accountRecovery().archivesOf(s.userId)) {
      if (a.recipient !== s.deviceId && a.recipient !== RECOVERY_APPROVER) continue
      const stat = await blobStore(ctx).stat(a.archiveId as BlobId)
      if (stat?.complete) out.push(info(a, stat))
    }
    return { archives: out }
  })

  app.get('/v1/archives/:archiveId/content', async (req, reply) => {
    const s = await authenticate(ctx, req)
    const { archive, stat } = await archiveFor(ctx, req.params, s, 'reader')
    if (!stat.complete) throw new CandorError('blob_incomplete', 'the archive is still being uploaded', { details: { size: stat.size, received: stat.received } })
    const range = parseRange(req.headers.range, stat.size)
    const [start, end] = range ?? [0, stat.size]
    const bytes = await blobStore(ctx).read(archive.archiveId as BlobId, start, end - start)
    void reply.code(range ? 206 : 200).header('content-type', 'application/octet-stream').header('cache-control', 'private, no-store')
    if (range) void reply.header('content-range', `bytes ${start}-${end - 1}/${stat.size}`)
    return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  })

  app.delete('/v1/archives/:archiveId', async (req): Promise<{ archiveId: string; deleted: true }> => {
    const s = await authenticate(ctx, req)
    const { archive } = await archiveFor(ctx, req.params, s, 'reader')
    await ctx.store.accountRecovery().deleteArchive(archive.archiveId)
    await blobStore(ctx).delete(archive.archiveId as BlobId)
    return { archiveId: archive.archiveId, deleted: true }
  })
}
