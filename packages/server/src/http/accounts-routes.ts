// Registration of a user's first device, device sign-in (challenge → session token), and
// enrolment of further devices, approved from a device the user already has.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  approvalStatement,
  authStatement,
  approveRequest,
  challengeRequest,
  deviceIdFromKey,
  enrolmentRequest,
  enrolmentStatement,
  base64UrlBytes,
  parseDeviceId,
  registerRequest,
  registrationStatement,
  sessionRequest,
  toBase64Url,
  type ChallengeResponse,
  type RegisterResponse,
  type SessionResponse,
  type SignatureB64,
} from '@candor/protocol'
import { nodeVerifyDetached as verifyDetached } from '@candor/crypto/node'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody, parseParam } from './parse.ts'
import { deviceInfo, notifyDevices } from './device-info.ts'

function checkSignature(publicKey: Uint8Array, statement: Uint8Array, signature: SignatureB64): void {
  if (!verifyDetached(publicKey, statement, base64UrlBytes(signature))) {
    throw new CandorError('bad_signature', 'the signature does not verify with this device key')
  }
}

export function accountsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/register', async (req, reply): Promise<RegisterResponse> => {
    const body = parseBody(registerRequest, req.body)
    const publicKey = base64UrlBytes(body.publicKey)
    checkSignature(publicKey, registrationStatement(body.userId, body.publicKey), body.signature)
    const deviceId = deviceIdFromKey(publicKey)
    await ctx.store.createUser(body.userId, {
      deviceId,
      userId: body.userId,
      name: body.deviceName,
      publicKey,
      status: 'active',
      createdAt: Date.now(),
      attestation: { by: deviceId, signature: base64UrlBytes(body.signature) },
    })
    await ctx.directory.publishUser(body.userId)
    ctx.log.info({ userId: body.userId, deviceId }, 'user registered')
    reply.code(201)
    return { userId: body.userId, deviceId }
  })

  app.post('/v1/auth/challenge', async (req): Promise<ChallengeResponse> => {
    const { deviceId } = parseBody(challengeRequest, req.body)
    return ctx.tokens.challenge(deviceId, LIMITS.challengeTtlMs)
  })

  app.post('/v1/auth/session', async (req): Promise<SessionResponse> => {
    const body = parseBody(sessionRequest, req.body)
    const deviceId = body.deviceId
    const valid = ctx.tokens.checkChallenge(deviceId, body.challenge)
    if (!valid) throw new CandorError('unauthenticated', 'the challenge is invalid or expired')
    const device = await ctx.store.getDevice(deviceId)
    if (!device) throw new CandorError('unknown_device', 'no such device')
    checkSignature(device.publicKey, authStatement(deviceId, body.challenge), body.signature)
    if (device.status === 'revoked') throw new CandorError('device_revoked', 'this device has been revoked')
    if (device.status === 'pending') throw new CandorError('forbidden', 'this device is waiting for approval from another device')
    if (!(await ctx.store.consumeNonce(body.challenge, valid.expiresAt))) {
      throw new CandorError('unauthenticated', 'this challenge was already used')
    }
    const expiresAt = Date.now() + LIMITS.sessionTtlMs
    return { token: ctx.tokens.issue({ deviceId, userId: device.userId, expiresAt }), expiresAt, userId: device.userId }
  })

  app.post('/v1/enrolments', async (req, reply) => {
    const body = parseBody(enrolmentRequest, req.body)
    const userId = body.userId
    const publicKey = base64UrlBytes(body.publicKey)
    checkSignature(publicKey, enrolmentStatement(userId, body.publicKey, body.deviceName), body.signature)
    if (!(await ctx.store.userExists(userId))) throw new CandorError('unknown_user', 'no such user')
    const devices = await ctx.store.listDevices(userId)
    if (devices.filter((d) => d.status !== 'revoked').length >= LIMITS.devicesPerUser) {
      throw new CandorError('forbidden', `a user may have at most ${LIMITS.devicesPerUser} devices`)
    }
    const deviceId = deviceIdFromKey(publicKey)
    await ctx.store.addDevice({ deviceId, userId, name: body.deviceName, publicKey, status: 'pending', createdAt: Date.now() })
    notifyDevices(ctx, devices, { kind: 'enrolment_request', requestId: deviceId })
    reply.code(202)
    return { deviceId, status: 'pending' }
  })

  app.get('/v1/enrolments', async (req) => {
    const s = await authenticate(ctx, req)
    const devices = await ctx.store.listDevices(s.userId)
    return { requests: devices.filter((d) => d.status === 'pending').map(deviceInfo) }
  })

  app.post('/v1/enrolments/:deviceId/approve', async (req) => {
    const s = await authenticate(ctx, req)
    const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
    const { signature } = parseBody(approveRequest, req.body)
    const pending = await ctx.store.getDevice(deviceId)
    if (!pending || pending.userId !== s.userId || pending.status !== 'pending') {
      throw new CandorError('not_found', 'no pending enrolment with this id for your account')
    }
    const approver = await ctx.store.getDevice(s.deviceId)
    if (!approver) throw new CandorError('unknown_device', 'approving device vanished')
    const pkB64 = toBase64Url(pending.publicKey)
    checkSignature(approver.publicKey, approvalStatement(s.deviceId, s.userId, pkB64), signature)
    await ctx.store.setDeviceStatus(deviceId, 'active', { by: s.deviceId, signature: base64UrlBytes(signature) })
    await ctx.directory.publishUser(s.userId)
    ctx.log.info({ userId: s.userId, deviceId, approvedBy: s.deviceId }, 'device approved')
    return deviceInfo({ ...pending, status: 'active' })
  })
}
