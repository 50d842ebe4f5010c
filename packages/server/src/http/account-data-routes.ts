// The access log as seen by clients: its public parameters and latest checkpoint, consistency
// proofs between sizes, and (signed in) the caller's own receipts with inclusion proofs.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { CandorError, toBase64Url, type AccessLogInfo, type AccessReceiptsResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody } from './parse.ts'

const sizes = z.strictObject({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) })

export function accountDataRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/access-log', async (): Promise<AccessLogInfo> => ctx.access.log.info())

  app.get('/v1/access-log/consistency', async (req) => {
    const { from, to } = parseBody(sizes, req.query)
    await ctx.access.log.catchUp()
    if (from > to || to > ctx.access.log.size) throw new CandorError('bad_request', `sizes must satisfy 1 <= from <= to <= ${ctx.access.log.size}`)
    return { proof: (await ctx.access.log.consistency(from, to)).map(toBase64Url) }
  })

  app.get('/v1/access-receipts', async (req): Promise<AccessReceiptsResponse> => {
    const s = await authenticate(ctx, req)
    const { checkpoint, leaves } = await ctx.access.log.leavesOf(s.userId, ctx.access.now())
    return {
      checkpoint,
      receipts: leaves.map(({ leaf, proof }) => ({ index: leaf.index, envelope: toBase64Url(leaf.envelope), proof: proof.map(toBase64Url) })),
    }
  })
}
