// The access log as seen by clients: its public parameters and latest checkpoint, consistency
// proofs between sizes, (signed in) the caller's own receipts with inclusion proofs, and
// erasure of the caller's account.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { CandorError, decimalText, deleteAccountRequest, parseLogSize, stringField, toBase64Url, type AccessLogInfo, type AccessReceiptsResponse, type AccountExport, type DeletionReceiptResponse } from '@candor/protocol'
import { eraseAccount } from '../access/account-erasure.ts'
import { exportAccount } from '../access/account-export.ts'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody } from './parse.ts'

const logSizeText = stringField(decimalText(parseLogSize), 16)
const sizes = z.strictObject({ from: logSizeText, to: logSizeText })

export function accountDataRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/access-log', async (): Promise<AccessLogInfo> => ctx.access.log.info())

  app.get('/v1/access-log/consistency', async (req) => {
    const { from, to } = parseBody(sizes, req.query)
    await ctx.access.log.catchUp()
    if (from > to || to > ctx.access.log.size) throw new CandorError('bad_request', `sizes must satisfy 1 <= from <= to <= ${ctx.access.log.size}`)
    return { proof: (await ctx.access.log.consistency(from, to)).map(toBase64Url) }
  })

  app.post('/v1/account/delete', async (req): Promise<DeletionReceiptResponse> => {
    const s = await authenticate(ctx, req)
    const { confirm } = parseBody(deleteAccountRequest, req.body)
    if (confirm !== s.userId) throw new CandorError('bad_request', 'confirm must be your own user id')
    return eraseAccount(ctx, s.userId)
  })

  app.get('/v1/account/export', async (req): Promise<AccountExport> => {
    const s = await authenticate(ctx, req)
    return exportAccount(ctx, s.userId, ctx.access.now())
  })

  app.get('/v1/access-receipts', async (req): Promise<AccessReceiptsResponse> => {
    const s = await authenticate(ctx, req)
    let got = await ctx.access.log.leavesOf(s.userId, ctx.access.now())
    // A receipt readable now but not yet committed to the person's entry (a delayed notice whose
    // date came before the sweep) is committed first, so what they are handed matches their entry.
    if (got.leaves.some(({ leaf }) => leaf.position === null)) {
      try {
        await ctx.directory.publishReceipts(s.userId)
        got = await ctx.access.log.leavesOf(s.userId, ctx.access.now())
      } catch (err) {
        ctx.log.warn({ err }, 'receipts not committed before handing them out; the sweep will')
      }
    }
    return {
      checkpoint: got.checkpoint,
      salt: toBase64Url(ctx.directory.receiptsSalt(s.userId)),
      receipts: got.leaves.map(({ leaf, proof }) => ({
        index: leaf.index,
        envelope: toBase64Url(leaf.envelope),
        proof: proof.map(toBase64Url),
        position: leaf.position,
      })),
    }
  })
}
