// The access log as seen by clients: its public parameters and latest checkpoint, consistency
// proofs between sizes, (signed in) the caller's own receipts with inclusion proofs, and
// erasure of the caller's account.
import { useDataRight } from '../organisations/devices/data-rights.ts'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import {
  CandorError,
  LIMITS,
  accountDeletionStatement,
  decimalText,
  deleteAccountRequest,
  parseLogSize,
  stringField,
  toBase64Url,
  type AccessLogInfo,
  type AccessReceiptsResponse,
  type AccountExport,
  type ChallengeResponse,
  type DeletionReceiptResponse,
} from '@candor/protocol'
import { eraseAccount } from '../access/account-erasure.ts'
import { exportAccount } from '../access/account-export.ts'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { checkSignature } from './device-signature.ts'
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

  // Erasure needs the session and a fresh signature of its device over a single-use challenge
  // (docs/protocol.md §4.4): a stolen session token alone erases nothing.
  app.post('/v1/account/delete/challenge', async (req): Promise<ChallengeResponse> => {
    const s = await authenticate(ctx, req)
    return ctx.tokens.challenge(s.deviceId, LIMITS.challengeTtlMs, Date.now(), 'delete-account')
  })

  app.post('/v1/account/delete', async (req): Promise<DeletionReceiptResponse> => {
    const s = await authenticate(ctx, req)
    const { confirm, challenge, signature } = parseBody(deleteAccountRequest, req.body)
    if (confirm !== s.userId) throw new CandorError('bad_request', 'confirm must be your own user id')
    const valid = ctx.tokens.checkChallenge(s.deviceId, challenge, Date.now(), 'delete-account')
    if (!valid) throw new CandorError('unauthenticated', "the challenge is not this device's deletion challenge, or it expired: ask for a new one")
    const device = await ctx.store.getDevice(s.deviceId)
    if (!device || device.status !== 'active') throw new CandorError('device_revoked', 'this device is not an active device of the account')
    checkSignature(device.publicKey, accountDeletionStatement(s.userId, s.deviceId, challenge), signature)
    // Consumed only once the signature checks, so a forged attempt cannot burn the owner's challenge.
    if (!(await ctx.store.consumeNonce(challenge, valid.expiresAt))) throw new CandorError('unauthenticated', 'this challenge was already used')
    // dataRights.deletion `approval`: an admin's approval of the person's request, used up here.
    await useDataRight(ctx, s.userId, 'deletion')
    return eraseAccount(ctx, s.userId)
  })

  app.get('/v1/account/export', async (req): Promise<AccountExport> => {
    const s = await authenticate(ctx, req)
    // dataRights.export `approval`: an admin's approval of the person's request, used up here.
    await useDataRight(ctx, s.userId, 'export')
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
