// Legal holds (docs/protocol.md §11.9): a compliance officer places a hold on a person or a
// conversation through the access gate (a receipt to the person, or to everyone in the
// conversation, unless delayed within the 90-day bound) and the audit trail (`hold.place`); the
// organisation's archive reads the active holds and keeps what they cover (isHeld in
// @candor/compliance); a person sees the holds that apply to them once their notice is due;
// releasing (`hold.release`) lets the archive's deletion resume.
import type { FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import {
  CandorError,
  legalHoldRequestSchema,
  parseGroupId,
  parseOrgId,
  parseUserId,
  toBase64Url,
  type GroupId,
  type LegalHoldInfo,
  type UserId,
} from '@candor/protocol'
import type { LegalHoldRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { allowedIn } from '../organisations/roles.ts'
import { requirePermission, scopedOrg, scopedUser } from '../organisations/org-scope.ts'
import { holdBody, holdTargetsOf, isOfficerOf, peopleInScope, type HoldBody } from '../compliance/compliance-scope.ts'
import { tellHoldChanged } from '../compliance/hold-notices.ts'
import { requireArchiveReader } from './archive-reader.ts'
import { MAX_NOTICE_DELAY_MS } from './admin-routes.ts'
import { parseBody, parseParam } from './parse.ts'

const ID = /^[A-Za-z0-9_-]{22}$/

function holdInfo(h: LegalHoldRecord): LegalHoldInfo {
  const b = holdBody(h)
  return { id: h.id, target: h.target, case: b.case, until: b.until, placedAt: h.placedAt, releasedAt: h.releasedAt } as LegalHoldInfo
}

export function legalHoldRoutes(app: FastifyInstance, ctx: AppContext): void {
  const c = () => ctx.store.compliance()
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  const officer = async (req: Parameters<typeof authenticate>[1]) => {
    const admin = await requirePermission(ctx, req, 'holds.manage')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'holds.manage')
    if (!isOfficerOf(admin, org)) throw new CandorError('not_found', 'no such organisation')
    return { admin, org }
  }

  app.post('/v1/orgs/:org/compliance/holds', async (req, reply): Promise<LegalHoldInfo> => {
    const { admin, org } = await officer(req)
    const body = parseBody(legalHoldRequestSchema, req.body)
    const now = ctx.access.now()
    if (body.delayUntil !== undefined) {
      if (body.delayUntil > now + MAX_NOTICE_DELAY_MS) throw new CandorError('bad_request', 'a notice may be delayed by at most 90 days')
      if (!allowedIn(admin, org, 'notices.delay')) throw new CandorError('forbidden', `your role (${admin.role}) may not delay a person's notice`)
    }
    if (body.until !== undefined && body.until <= now) throw new CandorError('bad_request', 'until: must be in the future')
    const [kind, value] = [body.target.slice(0, body.target.indexOf(':')), body.target.slice(body.target.indexOf(':') + 1)]
    let subjects: UserId[]
    if (kind === 'user') {
      const userId = parseUserId(value, 'target')
      const m = await scopedUser(ctx, admin, userId, 'holds.manage')
      if (m.org !== org) throw new CandorError('unknown_user', 'no such user')
      subjects = [userId]
    } else {
      const groupId = parseGroupId(value, 'target')
      // A conversation is held only if one of the organisation's people is in it (the archive keeps only those).
      subjects = await peopleInScope(ctx, [], [groupId as GroupId])
      const ours = await Promise.all(subjects.map(async (u) => (await ctx.store.membershipOf(u))?.org === org))
      if (!ours.includes(true)) throw new CandorError('not_found', 'no such conversation with people of this organisation')
    }
    const id = toBase64Url(randomBytes(16))
    const hold: HoldBody = { case: body.case, why: 'legal_hold', until: body.until ?? null, noticeAt: Math.max(now, body.delayUntil ?? 0), people: subjects }
    for (const subject of subjects) {
      await ctx.access.access(
        {
          accessor: { userId: admin.userId, role: admin.role, org: admin.org },
          subject,
          categories: ['archived_messages'],
          resources: [`hold:${id}`, body.target].map((r) => r.slice(0, 512)),
          justification: 'legal_hold',
          caseRef: body.case,
          windowMs: body.until !== undefined ? body.until - now : 0,
          ...(body.delayUntil !== undefined ? { delayedUntil: body.delayUntil } : {}),
        },
        async () => undefined,
      )
    }
    await ctx.audit.record(org, { kind: 'admin', admin }, 'hold.place', body.target, { hold: id, case: body.case, until: hold.until, receipts: subjects.length, noticeAt: hold.noticeAt })
    const rec: LegalHoldRecord = { org, id, target: body.target, hold: JSON.stringify(hold), placedBy: admin.userId, placedAt: now, releasedAt: null, releasedBy: null }
    if (!(await c().placeHold(rec))) throw new CandorError('conflict', 'hold id collision; try again')
    // The hold stands whatever becomes of its notice; a device that misses it reads the holds when it opens the conversation.
    tellHoldChanged(ctx, rec)
    reply.code(201)
    return holdInfo(rec)
  })

  app.post('/v1/orgs/:org/compliance/holds/:id/release', async (req): Promise<LegalHoldInfo> => {
    const { admin, org } = await officer(req)
    const id = parseParam(req.params, 'id', (v, f) => {
      if (typeof v !== 'string' || !ID.test(v)) throw new CandorError('bad_request', `${f}: not a hold id`)
      return v
    })
    const h = await c().getHold(org, id)
    if (!h) throw new CandorError('not_found', 'no such hold')
    if (h.releasedAt !== null) throw new CandorError('conflict', 'the hold was released already')
    await ctx.audit.record(org, { kind: 'admin', admin }, 'hold.release', h.target, { hold: id, case: holdBody(h).case })
    if (!(await c().releaseHold(org, id, admin.userId, ctx.access.now()))) throw new CandorError('conflict', 'the hold was released already')
    const released = (await c().getHold(org, id))!
    tellHoldChanged(ctx, released)
    return holdInfo(released)
  })

  /** The organisation's holds: for its officers and auditors, and for its archive (which applies them). */
  app.get('/v1/orgs/:org/compliance/holds', async (req) => {
    const org = await requireArchiveReader(ctx, req, 'legal holds')
    const released = typeof req.query === 'object' && req.query !== null && (req.query as Record<string, unknown>).released === '1'
    return { holds: (await c().holdsOf(org, released)).map(holdInfo) }
  })

  /** The holds that apply to the caller — on them, or on a conversation they are in — once their notice is due. */
  app.get('/v1/legal-holds', async (req) => {
    const session = await authenticate(ctx, req)
    const now = ctx.access.now()
    const holds = (await c().activeHoldsOn(await holdTargetsOf(ctx, session.userId))).filter((h) => holdBody(h).noticeAt <= now)
    return { holds: holds.map((h) => ({ target: h.target, case: holdBody(h).case, until: holdBody(h).until, since: h.placedAt })) }
  })
}
