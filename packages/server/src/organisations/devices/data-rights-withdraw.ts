// A person withdraws their own pending data-rights request (docs/protocol.md §4.10, `dataRights`):
// POST /v1/account/data-rights/:id/withdraw. Only the person who asked sees the request at all —
// anyone else (another person, their organisation's owner or admins, another organisation) is
// answered `404 not_found`, as for an id that does not exist. A request no longer pending
// (approved, used, declined, expired, withdrawn already) is `409 conflict` and nothing changes.
// The organisation's audit trail gets a `data_rights.withdraw` entry (actor `person`) first; the
// request then ends at once, atomically, stored as `withdrawn` (never approved or used afterwards).
import type { FastifyInstance } from 'fastify'
import { CandorError, DATA_RIGHTS, DATA_RIGHT_ID, dataRightAction, type DataRight, type DataRightWithdrawn } from '@candor/protocol'
import { z } from 'zod'
import type { AppContext } from '../../app-context.ts'
import { authenticate } from '../../auth/authenticate.ts'
import { parseBody, parseParam } from '../../http/parse.ts'

const notFound = () => new CandorError('not_found', 'no such data-rights request')

export function dataRightWithdrawRoute(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/account/data-rights/:id/withdraw', async (req): Promise<DataRightWithdrawn> => {
    const s = await authenticate(ctx, req)
    const id = parseParam(req.params, 'id', (v) => {
      if (typeof v !== 'string' || !DATA_RIGHT_ID.test(v)) throw notFound()
      return v
    })
    parseBody(z.strictObject({}), req.body ?? {})
    const m = await ctx.store.membershipOf(s.userId)
    if (!m) throw notFound()
    const a = await ctx.store.governance().getApproval(m.org, id)
    // Only the person's own data-rights request, about themself, exists for them.
    const right = DATA_RIGHTS.find((r) => a?.action === dataRightAction(r))
    if (!a || right === undefined || a.requestedBy !== s.userId || a.target !== `user:${s.userId}`) throw notFound()
    const now = ctx.access.now()
    if (a.state !== 'pending' || a.expiresAt <= now) throw new CandorError('conflict', `this request is no longer pending (${stateOf(a.state, a.expiresAt, now)})`)
    await ctx.audit.record(m.org, { kind: 'person', userId: s.userId }, 'data_rights.withdraw', `approval:${a.id}`, { right })
    if (!(await ctx.store.governance().withdraw(m.org, id, now))) throw new CandorError('conflict', 'this request is no longer pending')
    ctx.log.info({ userId: s.userId, right, approval: a.id }, 'data-rights request withdrawn by the person')
    return { right: right as DataRight, state: 'withdrawn', id: a.id, withdrawnAt: now }
  })
}

function stateOf(state: string, expiresAt: number, now: number): string {
  if (state === 'approved') return expiresAt <= now ? 'approved, expired' : 'approved'
  if (state === 'executed') return 'used'
  if (state === 'withdrawn') return 'withdrawn'
  return 'declined or expired'
}
