// The key directory over HTTP: its public parameters and latest checkpoint, lookup proofs,
// a user's own history (for monitoring), consistency proofs and past checkpoints (for
// witnesses and auditors), and witness cosignatures.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  decimalText,
  parseLogSize,
  parseUserId,
  witnessCosignature,
  type DirectoryInfo,
  type DirectoryPastProofResponse,
  type DirectoryProofResponse,
} from '@candor/protocol'
import { COMPACT_LOOKUP_MEDIA_TYPE } from '@candor/transparency'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { RateLimiter } from '../rate-limit.ts'
import { parseBody, parseParam } from './parse.ts'

/** `?format=`: `json` (the default) or `compact` (§3 "Compact lookups"). */
function lookupFormat(v: unknown, field: string): 'json' | 'compact' {
  if (v === 'json' || v === 'compact') return v
  throw new CandorError('bad_request', `${field} must be "json" or "compact"`)
}

/** Whether the Accept header names the compact lookup's media type (with a non-zero weight). */
function acceptsCompact(accept: string | undefined): boolean {
  if (typeof accept !== 'string') return false
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase())
    if (type !== COMPACT_LOOKUP_MEDIA_TYPE) return false
    const q = params.find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}

/** A log size in a query string or route: canonical decimal text. */
const logSizeText = decimalText(parseLogSize)

/**
 * Past lookups per device. A lookup as of an old epoch the server has not viewed lately rehashes
 * the prefix-tree nodes changed since (up to the whole tree: about 100k hashes for 100k users);
 * members catching up on a backlog of commits ask for a few each, so the burst is generous.
 */
const PAST_LOOKUPS_PER_SECOND = 10
const PAST_LOOKUP_BURST = 100

/** The longest wait a refusal names: a rate of 0 never refills, and then no wait is named at all. */
const MAX_RETRY_AFTER_MS = 60_000

/** A `429 rate_limited` refusal naming how long until the limiter would take the request (sent as Retry-After too). */
function refused(limiter: RateLimiter, key: string, message: string): CandorError {
  const wait = limiter.waitMs(key)
  return new CandorError('rate_limited', message, Number.isFinite(wait) && wait <= MAX_RETRY_AFTER_MS ? { details: { retryAfterMs: Math.max(1, wait) } } : {})
}

export function directoryRoutes(app: FastifyInstance, ctx: AppContext, lookupRate: { perSecond: number; burst?: number }): void {
  const pastLookups = new RateLimiter(PAST_LOOKUPS_PER_SECOND, PAST_LOOKUP_BURST)
  // Per client address (each lookup computes a VRF proof and a prefix-tree path), after sign-in:
  // a request without a session takes nothing from anyone's allowance.
  const lookups = new RateLimiter(lookupRate.perSecond, lookupRate.burst ?? lookupRate.perSecond * 4)

  app.get('/v1/directory', (): Promise<DirectoryInfo> => ctx.directory.info())

  // With ?at=<size>: the entry as of that earlier tree size (what a commit's checkpoint named).
  // `Accept: application/vnd.candor.lookup` or `?format=compact`: the compact form (§3), for the latest epoch.
  app.get('/v1/directory/lookup/:userId', async (req, reply): Promise<DirectoryProofResponse | DirectoryPastProofResponse | Buffer> => {
    const session = await authenticate(ctx, req)
    const userId = parseParam(req.params, 'userId', parseUserId)
    const query = req.query as Record<string, unknown>
    const at = query.at === undefined ? undefined : parseParam(query, 'at', logSizeText)
    const format = query.format === undefined ? undefined : parseParam(query, 'format', lookupFormat)
    const compact = at === undefined && (format === 'compact' || (format === undefined && acceptsCompact(req.headers.accept)))
    void reply.header('vary', 'Accept')
    if (!lookups.take(req.ip)) throw refused(lookups, req.ip, 'too many key-directory lookups from this address; try again later')
    if (at !== undefined) {
      if (!pastLookups.take(session.deviceId)) throw refused(pastLookups, session.deviceId, 'too many past lookups')
      const past = await ctx.directory.lookupAt(userId, at)
      if (!past) throw new CandorError('not_found', 'the directory has no epoch yet')
      return past
    }
    if (compact) {
      const body = await ctx.directory.lookupCompact(userId)
      if (!body) throw new CandorError('unknown_user', 'no such user in the directory')
      void reply.type(COMPACT_LOOKUP_MEDIA_TYPE)
      return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    }
    const r = await ctx.directory.lookup(userId)
    if (!r) throw new CandorError('unknown_user', 'no such user in the directory')
    return r
  })

  app.get('/v1/directory/history', async (req): Promise<DirectoryProofResponse> => {
    const s = await authenticate(ctx, req)
    const r = await ctx.directory.history(s.userId)
    if (!r) throw new CandorError('unknown_user', 'no directory entry for this user')
    return r
  })

  app.get('/v1/directory/consistency', async (req) => {
    return { proof: await ctx.directory.consistency(parseParam(req.query, 'from', logSizeText), parseParam(req.query, 'to', logSizeText)) }
  })

  app.get('/v1/directory/checkpoints/:size', async (req) => {
    const note = await ctx.directory.checkpointAt(parseParam(req.params, 'size', logSizeText))
    if (!note) throw new CandorError('not_found', 'no checkpoint of that size')
    return { checkpoint: note }
  })

  // Without a session: a witness is not a user. Only configured witnesses get anything stored.
  app.post('/v1/directory/cosignatures', async (req) => {
    const { note } = parseBody(witnessCosignature, req.body)
    const { witness, size } = await ctx.directory.addCosignature(note)
    return { accepted: true, witness, size }
  })
}
