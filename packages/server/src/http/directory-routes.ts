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
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { RateLimiter } from '../rate-limit.ts'
import { parseBody, parseParam } from './parse.ts'

/** A log size in a query string or route: canonical decimal text. */
const logSizeText = decimalText(parseLogSize)

/**
 * Past lookups per device. A lookup as of an old epoch the server has not viewed lately rehashes
 * the prefix-tree nodes changed since (up to the whole tree: about 100k hashes for 100k users);
 * members catching up on a backlog of commits ask for a few each, so the burst is generous.
 */
const PAST_LOOKUPS_PER_SECOND = 10
const PAST_LOOKUP_BURST = 100

export function directoryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const pastLookups = new RateLimiter(PAST_LOOKUPS_PER_SECOND, PAST_LOOKUP_BURST)

  app.get('/v1/directory', (): Promise<DirectoryInfo> => ctx.directory.info())

  // With ?at=<size>: the entry as of that earlier tree size (what a commit's checkpoint named).
  app.get('/v1/directory/lookup/:userId', async (req): Promise<DirectoryProofResponse | DirectoryPastProofResponse> => {
    const session = await authenticate(ctx, req)
    const userId = parseParam(req.params, 'userId', parseUserId)
    const query = req.query as Record<string, unknown>
    if (query.at !== undefined) {
      const at = parseParam(query, 'at', logSizeText)
      if (!pastLookups.take(session.deviceId)) throw new CandorError('rate_limited', 'too many past lookups')
      const past = await ctx.directory.lookupAt(userId, at)
      if (!past) throw new CandorError('not_found', 'the directory has no epoch yet')
      return past
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
