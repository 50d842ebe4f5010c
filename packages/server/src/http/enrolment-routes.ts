// Enrolment of further devices (docs/protocol.md §4.1). A new device files a request without a
// session, so a request is bounded from the start: rate-limited per client address and per
// user, at most three pending per user (a new one drops the oldest), gone after ten minutes,
// never a device until an active device of the user approves it — and any of them can deny it.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  approvalStatement,
  approveRequest,
  base64UrlBytes,
  denialStatement,
  denyRequest,
  deviceIdFromKey,
  enrolmentRequest,
  enrolmentStatement,
  parseDeviceId,
  toBase64Url,
  type DeviceId,
  type DeviceInfo,
  type EnrolmentInfo,
  type EnrolmentResponse,
  type UserId,
} from '@candor/protocol'
import type { EnrolmentRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { checkSignature } from './device-signature.ts'
import { recordSignIn, requiredSso, useTicket } from '../organisations/sso/sign-in.ts'
import { parseBody, parseParam } from './parse.ts'
import { deviceInfo, enrolmentInfo, notifyDevices } from './device-info.ts'

/** The request of this id for this user, still pending, or a not_found that says why it may be gone. */
async function pendingRequest(ctx: AppContext, deviceId: DeviceId, userId: UserId, now: number): Promise<EnrolmentRecord> {
  const request = await ctx.store.getEnrolment(deviceId, now)
  if (request && request.userId === userId) return request
  throw new CandorError('not_found', `no pending enrolment with this id for your account (requests are gone once approved, denied, replaced by newer ones, or ${LIMITS.enrolmentTtlMs / 60_000} minutes old)`)
}

export function enrolmentRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/enrolments', async (req, reply): Promise<EnrolmentResponse> => {
    ctx.enrolments.fromAddress(req.ip)
    const body = parseBody(enrolmentRequest, req.body)
    const userId = body.userId
    const publicKey = base64UrlBytes(body.publicKey)
    checkSignature(publicKey, enrolmentStatement(userId, body.publicKey, body.deviceName), body.signature)
    if (!(await ctx.store.userExists(userId))) throw new CandorError('unknown_user', 'no such user')
    ctx.enrolments.forUser(userId)
    const active = (await ctx.store.listDevices(userId)).filter((d) => d.status === 'active')
    if (active.length >= LIMITS.devicesPerUser) {
      throw new CandorError('forbidden', `a user may have at most ${LIMITS.devicesPerUser} active devices; revoke one first`)
    }
    // In an organisation that requires SSO, only the person who signed in there may ask.
    const membership = await ctx.store.membershipOf(userId)
    const sso = membership ? await requiredSso(ctx, membership.org, body.ssoTicket !== undefined) : null
    if (body.ssoTicket !== undefined && !sso) throw new CandorError('bad_request', 'ssoTicket: your organisation does not use single sign-on')
    if (sso) await recordSignIn(ctx, await useTicket(ctx, body.ssoTicket, membership!.org, userId, sso))
    const now = ctx.enrolments.now()
    const deviceId = deviceIdFromKey(publicKey)
    const expiresAt = now + LIMITS.enrolmentTtlMs
    const { dropped } = await ctx.store.fileEnrolment(
      { deviceId, userId, name: body.deviceName, publicKey, createdAt: now, expiresAt },
      LIMITS.pendingEnrolmentsPerUser,
      now,
    )
    if (dropped.length > 0) ctx.log.info({ userId, deviceId, dropped }, 'oldest enrolment requests dropped for a newer one')
    notifyDevices(ctx, active, { kind: 'enrolment_request', requestId: deviceId })
    reply.code(202)
    return { deviceId, status: 'pending', expiresAt }
  })

  app.get('/v1/enrolments', async (req): Promise<{ requests: EnrolmentInfo[] }> => {
    const s = await authenticate(ctx, req)
    return { requests: (await ctx.store.listEnrolments(s.userId, ctx.enrolments.now())).map(enrolmentInfo) }
  })

  app.post('/v1/enrolments/:deviceId/approve', async (req): Promise<DeviceInfo> => {
    const s = await authenticate(ctx, req)
    const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
    const { signature } = parseBody(approveRequest, req.body)
    const now = ctx.enrolments.now()
    const request = await pendingRequest(ctx, deviceId, s.userId, now)
    const approver = await ctx.store.getDevice(s.deviceId)
    if (!approver) throw new CandorError('unknown_device', 'approving device vanished')
    checkSignature(approver.publicKey, approvalStatement(s.deviceId, s.userId, toBase64Url(request.publicKey)), signature)
    const attestation = { by: s.deviceId, signature: base64UrlBytes(signature) }
    // The person's organisation may allow fewer devices (its policy's devices.maxPerPerson).
    const m = await ctx.store.membershipOf(s.userId)
    const policy = m ? (await ctx.policies.current(m.org)).devices : null
    const maxDevices = Math.min(LIMITS.devicesPerUser, policy?.maxPerPerson ?? LIMITS.devicesPerUser)
    // devices.adminApproval: the device is held (pending, cannot sign in) until an admin approves it too.
    const hold = policy?.adminApproval === true
    const device = await ctx.store.approveEnrolment(deviceId, s.userId, attestation, now, maxDevices, hold)
    if (!device) throw new CandorError('not_found', 'this enrolment request was denied, replaced or approved meanwhile')
    if (hold) {
      ctx.log.info({ userId: s.userId, deviceId, approvedBy: s.deviceId }, 'device approved by its owner, held for an admin of the organisation')
      return deviceInfo(device)
    }
    await ctx.directory.applyBacklog()
    ctx.log.info({ userId: s.userId, deviceId, approvedBy: s.deviceId }, 'device approved')
    return deviceInfo(device)
  })

  app.post('/v1/enrolments/:deviceId/deny', async (req): Promise<{ deviceId: DeviceId; denied: true }> => {
    const s = await authenticate(ctx, req)
    const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
    const { signature } = parseBody(denyRequest, req.body)
    const request = await pendingRequest(ctx, deviceId, s.userId, ctx.enrolments.now())
    const denier = await ctx.store.getDevice(s.deviceId)
    if (!denier) throw new CandorError('unknown_device', 'denying device vanished')
    checkSignature(denier.publicKey, denialStatement(s.userId, toBase64Url(request.publicKey)), signature)
    if (!(await ctx.store.denyEnrolment(deviceId, s.userId))) {
      throw new CandorError('not_found', 'this enrolment request was approved or withdrawn meanwhile')
    }
    ctx.log.info({ userId: s.userId, deviceId, deniedBy: s.deviceId }, 'enrolment denied')
    return { deviceId, denied: true }
  })
}
