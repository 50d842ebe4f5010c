// Opening the archive for one case (docs/protocol.md §11.7): a compliance officer files a request
// scoped to conversations and/or people, a time window and a reason, with an ephemeral X25519 key;
// officers' devices approve it, each with a signed statement carrying its share re-sealed to that
// key. Once k officers approved, the requester opens it: the server first logs an access receipt
// to every person in scope (through the access gate: no receipt, no access) and a `compliance.open`
// entry in the audit trail, and only then hands over the re-sealed shares. The export's manifest
// signature is logged (`compliance.export`) and returned with its inclusion proof.
import type { FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import {
  CandorError,
  exportLogRequestSchema,
  parseOrgId,
  toBase64Url,
  unlockApprovalUploadSchema,
  unlockRequestSchema,
  type OrgId,
  type SignatureB64,
  type UnlockInfo,
  type UserId,
  type GroupId,
} from '@candor/protocol'
import { approvalBytes, requestHash, type UnlockApproval, type UnlockRequestBody } from '@candor/compliance'
import type { UnlockRequestRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { requirePermission, scopedOrg, scopedUser } from '../organisations/org-scope.ts'
import { isOfficerOf, officerDevices, peopleInScope } from '../compliance/compliance-scope.ts'
import { MAX_NOTICE_DELAY_MS } from './admin-routes.ts'
import { checkSignature } from './device-signature.ts'
import { parseBody, parseParam } from './parse.ts'

/** How long a request waits for its approvals. */
export const UNLOCK_TTL_MS = 7 * 24 * 3600_000
const ID = /^[A-Za-z0-9_-]{22}$/

interface FiledRequest extends UnlockRequestBody {
  id: string
  org: string
  requestedBy: string
  requestedAt: number
}

export function complianceUnlockRoutes(app: FastifyInstance, ctx: AppContext): void {
  const c = () => ctx.store.compliance()
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)
  const idParam = (params: unknown) => parseParam(params, 'id', (v, field) => {
    if (typeof v !== 'string' || !ID.test(v)) throw new CandorError('bad_request', `${field}: not a request id`)
    return v
  })

  /** An officer of this organisation (else forbidden, or not_found for another organisation's). */
  const officer = async (req: Parameters<typeof authenticate>[1]) => {
    const admin = await requirePermission(ctx, req, 'compliance.open')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'compliance.open')
    if (!isOfficerOf(admin, org)) throw new CandorError('not_found', 'no such organisation')
    return { admin, org, session: await authenticate(ctx, req) }
  }

  const request = async (org: OrgId, id: string): Promise<{ rec: UnlockRequestRecord; body: FiledRequest }> => {
    const rec = await c().getUnlock(org, id)
    if (!rec) throw new CandorError('not_found', 'no such unlock request')
    return { rec, body: JSON.parse(rec.request) as FiledRequest }
  }

  /** Approvals that still count: by people who are still officers here, from devices still active that hold a share of the version. */
  const countingApprovals = async (org: OrgId, id: string, keyVersion: number) => {
    const holders = new Set((await c().officerShares(org, keyVersion)).map((s) => s.device))
    const active = new Set((await officerDevices(ctx, org)).map((o) => o.device))
    return (await c().unlockApprovals(org, id)).filter((a) => holders.has(a.device) && active.has(a.device))
  }

  const info = async (rec: UnlockRequestRecord): Promise<UnlockInfo> => {
    const body = JSON.parse(rec.request) as FiledRequest
    const key = await c().archiveKey(rec.org, body.keyVersion)
    const approvals = await c().unlockApprovals(rec.org, rec.id)
    return {
      id: rec.id, request: rec.request, requestedBy: rec.requestedBy, requestedAt: rec.requestedAt, expiresAt: rec.expiresAt, state: rec.state, k: key?.k ?? 0,
      approvedBy: approvals.map((a) => ({ user: a.user, device: a.device, at: a.at })),
    } as UnlockInfo
  }

  app.post('/v1/orgs/:org/compliance/unlocks', async (req, reply): Promise<UnlockInfo> => {
    const { admin, org, session } = await officer(req)
    const body = parseBody(unlockRequestSchema, req.body)
    const now = ctx.access.now()
    const resplit = body.purpose === 'resplit'
    const empty = body.scope.conversations.length + body.scope.people.length === 0
    if (!resplit && empty) throw new CandorError('bad_request', 'scope: name at least one conversation or person')
    if (resplit && !empty) throw new CandorError('bad_request', 'scope: a re-split reads no one’s messages: its scope is empty')
    if (body.scope.from > body.scope.to) throw new CandorError('bad_request', 'scope: from must not be after to')
    if (body.delayUntil !== undefined) {
      if (body.why !== 'legal_hold' && body.why !== 'security_investigation') throw new CandorError('bad_request', 'a notice may be delayed only for a legal hold or a security investigation')
      if (body.delayUntil > now + MAX_NOTICE_DELAY_MS) throw new CandorError('bad_request', 'a notice may be delayed by at most 90 days')
    }
    const key = await c().archiveKey(org, null)
    if (!key) throw new CandorError('conflict', `${org} has no archive key yet: run the key ceremony first`)
    if (body.keyVersion !== undefined && key.version !== body.keyVersion) throw new CandorError('conflict', `keyVersion: the archive key of ${org} is at version ${key.version}`)
    for (const p of body.scope.people) {
      const m = await scopedUser(ctx, admin, p as UserId, 'compliance.open')
      if (m.org !== org) throw new CandorError('unknown_user', 'no such user')
    }
    const id = toBase64Url(randomBytes(16))
    const { delayUntil, keyVersion: _asked, purpose, ...rest } = body
    const filed: FiledRequest = { id, org, requestedBy: session.userId, requestedAt: now, ...rest, purpose: purpose ?? 'case', keyVersion: key.version, ...(delayUntil !== undefined ? { delayUntil } : {}) }
    const text = JSON.stringify(filed)
    await ctx.audit.record(org, { kind: 'admin', admin }, 'compliance.request', `unlock:${id}`, {
      why: body.why, case: body.case, purpose: body.purpose ?? 'case', scope: body.scope, keyVersion: key.version, requestHash: requestHash(text), ...(body.delayUntil !== undefined ? { delayUntil: body.delayUntil } : {}),
    })
    const rec: UnlockRequestRecord = { org, id, request: text, requestedBy: session.userId, requestedAt: now, expiresAt: now + UNLOCK_TTL_MS, state: 'pending', openedAt: null }
    if (!(await c().createUnlock(rec))) throw new CandorError('conflict', 'request id collision; try again')
    reply.code(201)
    return info(rec)
  })

  app.get('/v1/orgs/:org/compliance/unlocks', async (req) => {
    const { org } = await officer(req)
    return { unlocks: await Promise.all((await c().listUnlocks(org, 100)).map(info)) }
  })

  app.get('/v1/orgs/:org/compliance/unlocks/:id', async (req): Promise<UnlockInfo> => {
    const { org } = await officer(req)
    return info((await request(org, idParam(req.params))).rec)
  })

  app.post('/v1/orgs/:org/compliance/unlocks/:id/approvals', async (req, reply): Promise<UnlockInfo> => {
    const { admin, org, session } = await officer(req)
    const id = idParam(req.params)
    const { rec, body } = await request(org, id)
    const up = parseBody(unlockApprovalUploadSchema, req.body)
    const a = up.approval as UnlockApproval
    const now = ctx.access.now()
    if (rec.state !== 'pending' || rec.expiresAt <= now) throw new CandorError('conflict', `the request is ${rec.state === 'pending' ? 'expired' : rec.state}`)
    if (a.org !== org || a.request !== id || a.requestHash !== requestHash(rec.request) || a.keyVersion !== body.keyVersion) {
      throw new CandorError('bad_request', 'approval: it is not of this request as filed (org, request, requestHash, keyVersion)')
    }
    if (a.user !== session.userId || a.device !== session.deviceId) throw new CandorError('bad_request', 'approval: user and device must be the caller’s')
    const holds = (await c().officerShares(org, body.keyVersion)).some((s) => s.device === session.deviceId)
    if (!holds) throw new CandorError('forbidden', `this device holds no share of archive key version ${body.keyVersion}`)
    const me = await ctx.store.getDevice(session.deviceId)
    checkSignature(me!.publicKey, approvalBytes(a), up.signature as SignatureB64)
    if ((await c().unlockApprovals(org, id)).some((x) => x.user === session.userId)) throw new CandorError('conflict', 'you already approved this request')
    await ctx.audit.record(org, { kind: 'admin', admin }, 'compliance.approve', `unlock:${id}`, { device: session.deviceId, signature: up.signature })
    const added = await c().addUnlockApproval({ org, request: id, user: session.userId, device: session.deviceId, approval: JSON.stringify(up), at: now })
    if (added === 'duplicate') throw new CandorError('conflict', 'you already approved this request')
    if (added === 'not_pending') throw new CandorError('conflict', 'the request is no longer pending')
    reply.code(201)
    return info((await request(org, id)).rec)
  })

  app.post('/v1/orgs/:org/compliance/unlocks/:id/open', async (req) => {
    const { admin, org, session } = await officer(req)
    const id = idParam(req.params)
    const { rec, body } = await request(org, id)
    if (rec.requestedBy !== session.userId) throw new CandorError('forbidden', 'only the officer who filed the request opens it (their device holds its key)')
    const now = ctx.access.now()
    if (rec.state !== 'pending' || rec.expiresAt <= now) throw new CandorError('conflict', `the request is ${rec.state === 'pending' ? 'expired' : rec.state}`)
    const key = await c().archiveKey(org, body.keyVersion)
    const approvals = await countingApprovals(org, id, body.keyVersion)
    if (!key || approvals.length < key.k) {
      throw new CandorError('forbidden', `${approvals.length} of the k = ${key?.k ?? '?'} officers' approvals needed to open the archive`)
    }
    // Receipts first, to every person in scope; then the audit entry; only then the shares.
    const people = await peopleInScope(ctx, body.scope.people as UserId[], body.scope.conversations as GroupId[])
    const resources = [`unlock:${id}`, ...body.scope.conversations.map((g) => `conversation:${g}`)].slice(0, 64)
    for (const subject of people) {
      await ctx.access.access(
        {
          accessor: { userId: admin.userId, role: admin.role, org: admin.org },
          subject,
          categories: ['archived_messages'],
          resources,
          justification: body.why as never,
          caseRef: body.case,
          windowMs: Math.max(0, body.scope.to - body.scope.from),
          ...(body.delayUntil !== undefined ? { delayedUntil: body.delayUntil } : {}),
        },
        async () => undefined,
      )
    }
    const { index } = await ctx.audit.record(org, { kind: 'admin', admin }, 'compliance.open', `unlock:${id}`, {
      approvals: approvals.map((a) => a.user), receipts: people.length, case: body.case,
    })
    if (!(await c().settleUnlock(org, id, 'opened', now))) throw new CandorError('conflict', 'the request was opened or withdrawn meanwhile')
    return { id, approvals: approvals.map((a) => JSON.parse(a.approval) as unknown), receipts: people.length, auditIndex: index }
  })

  app.post('/v1/orgs/:org/compliance/unlocks/:id/export', async (req) => {
    const { admin, org, session } = await officer(req)
    const id = idParam(req.params)
    const { rec, body } = await request(org, id)
    if (rec.requestedBy !== session.userId || rec.state !== 'opened') throw new CandorError('conflict', 'only an opened request’s requester logs its export')
    const up = parseBody(exportLogRequestSchema, req.body)
    const key = await publishedExportKey(ctx, org, body.keyVersion)
    if (up.exportKey !== key) throw new CandorError('bad_request', `exportKey: not the export key of archive key version ${body.keyVersion}`)
    const { index } = await ctx.audit.record(org, { kind: 'admin', admin }, 'compliance.export', `unlock:${id}`, {
      request: id, case: body.case, signature: up.signature, manifestSha256: up.manifestSha256, exportKey: up.exportKey,
    })
    const proved = await ctx.audit.prove(org, index)
    if (!proved) throw new CandorError('internal', 'the export entry was logged but cannot be proven yet')
    return { org, index, entry: proved.entry, proof: proved.path, checkpoint: proved.checkpoint, verifierKey: ctx.audit.verifierKey(org) }
  })
}

async function publishedExportKey(ctx: AppContext, org: OrgId, version: number): Promise<string | null> {
  const rec = await ctx.store.compliance().archiveKey(org, version)
  return rec ? (JSON.parse(rec.record) as { record: { exportKey: string } }).record.exportKey : null
}

