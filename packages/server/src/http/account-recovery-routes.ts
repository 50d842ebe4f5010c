// The person's recovery key (docs/protocol.md §4.2). One of their active devices sets it, with a
// signature over a statement that names the key it replaces (so a replayed statement cannot put
// an old key back) and the recovery key's own signature; the directory then publishes it in the
// person's entry, with that statement. A new device the recovery key approves (approver
// `recovery`) becomes a device like one an existing device approved: this is how a person who
// lost every device gets back in. The operator holds no recovery key, so it can approve nothing.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  RECOVERY_APPROVER,
  approvalStatement,
  base64UrlBytes,
  parseDeviceId,
  recoverRequest,
  recoveryKeyStatement,
  setRecoveryKeyRequest,
  toBase64Url,
  type DeviceInfo,
  type RecoveryKeyResponse,
} from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { nodeVerifyDetached as verifyDetached } from '@candor/crypto/node'
import { RateLimiter } from '../rate-limit.ts'
import { checkSignature } from './device-signature.ts'
import { deviceInfo, notifyDevices } from './device-info.ts'
import { parseBody, parseParam } from './parse.ts'

/** Approvals by recovery key tried per client address and per user: as many as enrolment requests. */
const perSecond = (n: number) => n / (LIMITS.enrolmentWindowMs / 1000)

export function accountRecoveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const byAddress = new RateLimiter(perSecond(LIMITS.enrolmentsPerUser), LIMITS.enrolmentsPerUser)
  const byUser = new RateLimiter(perSecond(LIMITS.enrolmentsPerUser), LIMITS.enrolmentsPerUser)

  app.put('/v1/recovery-key', async (req): Promise<RecoveryKeyResponse> => {
    const s = await authenticate(ctx, req)
    const body = parseBody(setRecoveryKeyRequest, req.body)
    const device = await ctx.store.getDevice(s.deviceId)
    if (!device || device.status !== 'active') throw new CandorError('unauthenticated', 'only an active device may set the recovery key')
    const statement = recoveryKeyStatement(s.userId, s.deviceId, body.publicKey, body.previous)
    checkSignature(device.publicKey, statement, body.signature)
    const publicKey = base64UrlBytes(body.publicKey)
    if (!verifyDetached(publicKey, statement, base64UrlBytes(body.proof))) {
      throw new CandorError('bad_signature', 'proof: the recovery key did not sign the statement')
    }
    const setAt = Date.now()
    const set = await ctx.store.accountRecovery().setRecoveryKey({
      userId: s.userId,
      publicKey,
      previous: body.previous === null ? null : base64UrlBytes(body.previous),
      setBy: s.deviceId,
      setByKey: device.publicKey,
      signature: base64UrlBytes(body.signature),
      setAt,
    })
    if (!set) {
      const current = (await ctx.store.accountRecovery().recoveryKeys(s.userId)).at(-1)
      throw new CandorError('conflict', 'previous: it is not your current recovery key (a statement is good for one change)', {
        details: { current: current ? toBase64Url(current.publicKey) : null },
      })
    }
    await ctx.directory.applyBacklog()
    ctx.log.info({ userId: s.userId, setBy: s.deviceId }, 'recovery key set')
    return { userId: s.userId, publicKey: body.publicKey, setBy: s.deviceId, setAt }
  })

  // Without a session: the device asking is not one yet, and the person may have no other.
  app.post('/v1/enrolments/:deviceId/recover', async (req): Promise<DeviceInfo> => {
    if (!byAddress.take(req.ip)) throw new CandorError('rate_limited', 'too many recovery attempts from this address; try again later')
    const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
    const { signature } = parseBody(recoverRequest, req.body)
    const now = ctx.enrolments.now()
    const request = await ctx.store.getEnrolment(deviceId, now)
    if (!request) throw new CandorError('not_found', 'no pending enrolment with this id (file one first: POST /v1/enrolments)')
    if (!byUser.take(request.userId)) throw new CandorError('rate_limited', 'too many recovery attempts for this user; try again later')
    const current = (await ctx.store.accountRecovery().recoveryKeys(request.userId)).at(-1)
    if (!current) throw new CandorError('forbidden', 'this user has no recovery key')
    checkSignature(current.publicKey, approvalStatement(RECOVERY_APPROVER, request.userId, toBase64Url(request.publicKey)), signature)
    const attestation = { by: RECOVERY_APPROVER, signature: base64UrlBytes(signature) } as const
    const device = await ctx.store.approveEnrolment(deviceId, request.userId, attestation, now, LIMITS.devicesPerUser)
    if (!device) throw new CandorError('not_found', 'this enrolment request was denied, replaced or approved meanwhile')
    await ctx.directory.applyBacklog()
    const others = (await ctx.store.listDevices(request.userId)).filter((d) => d.status === 'active' && d.deviceId !== deviceId)
    notifyDevices(ctx, others, { kind: 'device_recovered', deviceId })
    ctx.log.info({ userId: request.userId, deviceId }, 'device approved with the recovery key')
    return deviceInfo(device)
  })
}
