// The archive key (docs/protocol.md §11.6): a compliance officer's or owner's device runs the key
// ceremony and uploads the signed key record with one HPKE-sealed share per officer device; the
// server checks the record names exactly the organisation's officers' active devices, the
// signature, and that the version is the next one, logs `compliance.keys` in the audit trail, and
// then stores it. It never sees a share in the clear nor the archive's private key. Anyone of the
// organisation (its archive first) reads the published key record; an officer's device reads only
// the share sealed to it.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  archiveKeyResponseSchema,
  archiveKeyUploadSchema,
  parseOrgId,
  toBase64Url,
  type ArchiveKeyResponse,
  type OrgId,
  type SignatureB64,
} from '@candor/protocol'
import { checkThreshold, keyRecordBytes, type ArchiveKeyRecord } from '@candor/compliance'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { officerDevices } from '../compliance/compliance-scope.ts'
import { checkSignature } from './device-signature.ts'
import { parseBody, parseParam } from './parse.ts'

/** The stored form of a key version: the record as signed, the signature and who signed it. */
interface StoredKey {
  record: ArchiveKeyRecord
  signature: string
  signedBy: { user: string; device: string; publicKey: string }
}

export async function publishedKey(ctx: AppContext, org: OrgId, version: number | null): Promise<ArchiveKeyResponse | null> {
  const rec = await ctx.store.compliance().archiveKey(org, version)
  if (!rec) return null
  const s = JSON.parse(rec.record) as StoredKey
  return archiveKeyResponseSchema.parse({ record: s.record, signature: s.signature, signedBy: s.signedBy, auditIndex: rec.auditIndex })
}

function versionQuery(query: unknown): number | null {
  const v = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).version : undefined
  if (v === undefined) return null
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,6}$/.test(v)) throw new CandorError('bad_request', 'version: must be a whole number ≥ 1')
  return Number(v)
}

export function complianceKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const orgParam = (params: unknown) => parseParam(params, 'org', parseOrgId)

  /** The officers' devices a ceremony splits the key among (the ceremony checks each key in the directory). */
  app.get('/v1/orgs/:org/compliance/officers', async (req) => {
    const admin = await requirePermission(ctx, req, 'compliance.keys')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'compliance.keys')
    return { officers: (await officerDevices(ctx, org)).map((o) => ({ user: o.user, device: o.device, publicKey: toBase64Url(o.publicKey) })) }
  })

  app.put('/v1/orgs/:org/compliance/keys', async (req, reply): Promise<ArchiveKeyResponse> => {
    const admin = await requirePermission(ctx, req, 'compliance.keys')
    const session = await authenticate(ctx, req)
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'compliance.keys')
    const body = parseBody(archiveKeyUploadSchema, req.body)
    const r = body.record as ArchiveKeyRecord
    if (r.org !== org) throw new CandorError('bad_request', `record.org: the record is for ${r.org}, not ${org}`)
    try {
      checkThreshold(r.k, r.n)
    } catch (e) {
      throw new CandorError('bad_request', `record: ${(e as Error).message}`)
    }
    const latest = await ctx.store.compliance().archiveKey(org, null)
    if (r.version !== (latest?.version ?? 0) + 1) throw new CandorError('conflict', `record.version: the next version is ${(latest?.version ?? 0) + 1}`)
    // Exactly the officers' active devices, each once, each with its share; n is their number.
    const officers = await officerDevices(ctx, org)
    const want = officers.map((o) => `${o.user} ${o.device}`).sort()
    const named = r.officers.map((o) => `${o.user} ${o.device}`).sort()
    const shared = body.shares.map((s) => `${s.user} ${s.device}`).sort()
    if (officers.length === 0) throw new CandorError('conflict', `${org} has no compliance officer with an active device: grant the role first`)
    if (r.n !== named.length || JSON.stringify(named) !== JSON.stringify(want) || JSON.stringify(shared) !== JSON.stringify(want)) {
      throw new CandorError('bad_request', `record.officers: must name each active device of ${org}'s compliance officers once, with one share each (${want.length} devices)`)
    }
    const me = await ctx.store.getDevice(session.deviceId)
    checkSignature(me!.publicKey, keyRecordBytes(r), body.signature as SignatureB64)
    const signedBy = { user: session.userId, device: session.deviceId, publicKey: toBase64Url(me!.publicKey) }
    const { index } = await ctx.audit.record(org, { kind: 'admin', admin }, 'compliance.keys', `archive-key:${r.version}`, {
      version: r.version, k: r.k, n: r.n, archiveKey: r.archiveKey, exportKey: r.exportKey, officers: r.officers, signature: body.signature, signedBy: session.deviceId,
    })
    const stored: StoredKey = { record: r, signature: body.signature, signedBy }
    const ok = await ctx.store.compliance().appendArchiveKey(
      { org, version: r.version, k: r.k, n: r.n, record: JSON.stringify(stored), createdBy: session.userId, createdAt: ctx.access.now(), auditIndex: index },
      body.shares.map((s) => ({ org, version: r.version, device: s.device, user: s.user, sealed: JSON.stringify({ enc: s.enc, ct: s.ct }) })),
    )
    if (!ok) throw new CandorError('conflict', 'another key version was stored at the same time; run the ceremony again')
    // A re-split of the same key (an officer left): the earlier shares are void, so a leaver's copy combines with nothing anyone can fetch.
    if (latest && (JSON.parse(latest.record) as StoredKey).record.archiveKey === r.archiveKey) await ctx.store.compliance().dropOfficerShares(org, r.version)
    reply.code(201)
    return (await publishedKey(ctx, org, r.version))!
  })

  /** The published key record: for the organisation's people (its archive seals to it) and its admins. */
  app.get('/v1/orgs/:org/compliance/keys', async (req): Promise<ArchiveKeyResponse> => {
    const session = await authenticate(ctx, req)
    const org = orgParam(req.params)
    const m = await ctx.store.membershipOf(session.userId)
    const admin = await ctx.store.getAdmin(session.userId)
    const mayRead = (m !== null && m.org === org) || (admin !== null && admin.org === org)
    const key = mayRead ? await publishedKey(ctx, org, versionQuery(req.query)) : null
    if (!key) throw new CandorError('not_found', 'no archive key for this organisation')
    return key
  })

  /** The share sealed to the calling device, of the version asked for (default: latest). */
  app.get('/v1/orgs/:org/compliance/keys/share', async (req) => {
    const session = await authenticate(ctx, req)
    const org = orgParam(req.params)
    const key = await ctx.store.compliance().archiveKey(org, versionQuery(req.query))
    const share = key ? (await ctx.store.compliance().officerShares(org, key.version)).find((s) => s.device === session.deviceId && s.user === session.userId) : undefined
    const admin = await ctx.store.getAdmin(session.userId)
    if (!key || !share || admin?.role !== 'compliance_officer' || admin.org !== org) throw new CandorError('not_found', 'no share of this archive key for this device')
    const sealed = JSON.parse(share.sealed) as { enc: string; ct: string }
    return { version: key.version, user: share.user, device: share.device, ...sealed }
  })
}
