// Registration of a user's first device and device sign-in (challenge → session token).
// Enrolment of further devices is in enrolment-routes.ts.
import type { FastifyInstance } from 'fastify'
import {
  CandorError,
  LIMITS,
  authStatement,
  challengeRequest,
  deviceIdFromKey,
  base64UrlBytes,
  registerRequest,
  registrationStatement,
  sessionRequest,
  type ChallengeResponse,
  type DeviceId,
  type RegisterResponse,
  type SessionResponse,
  type SignatureB64,
} from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { signInPolicy } from '../organisations/devices/sign-in-policy.ts'
import { checkSignature } from './device-signature.ts'
import { membershipOfNewUser } from '../organisations/sign-up.ts'
import { checkSsoSession, recordSignIn, requiredSso, useTicket } from '../organisations/sso/sign-in.ts'
import { provisionedRegistration } from '../organisations/scim/provisioned-sign-up.ts'
import { parseBody } from './parse.ts'

/**
 * Sign-in of a device id that is no device: a new device whose enrolment request is still
 * pending hears so (once it proved it holds the key); anything else is unknown.
 */
async function refuseRequestSignIn(ctx: AppContext, deviceId: DeviceId, challenge: string, signature: SignatureB64): Promise<never> {
  const request = await ctx.store.getEnrolment(deviceId, ctx.enrolments.now())
  if (!request) {
    throw new CandorError('unknown_device', `no such device (an enrolment request is gone once denied, replaced by a newer one or ${LIMITS.enrolmentTtlMs / 60_000} minutes old: enrol again)`)
  }
  checkSignature(request.publicKey, authStatement(deviceId, challenge), signature)
  throw new CandorError('forbidden', 'this device is waiting for approval from another device')
}

export function accountsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/register', async (req, reply): Promise<RegisterResponse> => {
    const body = parseBody(registerRequest, req.body)
    const publicKey = base64UrlBytes(body.publicKey)
    checkSignature(publicKey, registrationStatement(body.userId, body.publicKey), body.signature)
    const deviceId = deviceIdFromKey(publicKey)
    const device = {
      deviceId,
      userId: body.userId,
      name: body.deviceName,
      publicKey,
      status: 'active' as const,
      createdAt: Date.now(),
      attestation: { by: deviceId, signature: base64UrlBytes(body.signature) },
    }
    // A person provisioned over SCIM registers into their organisation (or again, once reactivated).
    const provisioned = await provisionedRegistration(ctx.store, body.userId, body.org)
    const membership = provisioned?.kind === 'rejoin' ? null : (provisioned?.membership ?? (await membershipOfNewUser(ctx.store, body.userId, body.org)))
    const org = membership?.org ?? (await ctx.store.membershipOf(body.userId))?.org ?? null
    // An organisation that requires SSO registers only the person its identity provider vouched for.
    const sso = org ? await requiredSso(ctx, org, body.ssoTicket !== undefined) : null
    if (body.ssoTicket !== undefined && !sso) throw new CandorError('bad_request', `ssoTicket: the organisation ${org ?? body.org ?? 'default'} does not use single sign-on`)
    if (sso && membership && (await ctx.store.userExists(body.userId))) throw new CandorError('user_exists', 'user id already registered')
    const ticket = sso ? await useTicket(ctx, body.ssoTicket, org!, body.userId, sso) : null
    if (!membership) {
      if (!(await ctx.store.addProvisionedDevice(device))) throw new CandorError('user_exists', `user ${body.userId} already exists`)
    } else {
      await ctx.store.createUser(body.userId, device, membership)
    }
    // Published with the rest of the new entry by applyBacklog below.
    if (ticket) await recordSignIn(ctx, ticket, false)
    await ctx.directory.applyBacklog()
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
    if (!device) return refuseRequestSignIn(ctx, deviceId, body.challenge, body.signature)
    checkSignature(device.publicKey, authStatement(deviceId, body.challenge), body.signature)
    if (device.status === 'revoked') throw new CandorError('device_revoked', 'this device has been revoked')
    // A device row that is pending is one the person approved and the organisation's policy holds for an admin (§4.10).
    if (device.status === 'pending') throw new CandorError('forbidden', 'this device is held until an admin of your organisation approves it', { details: { held: true } })
    if (!(await ctx.store.consumeNonce(body.challenge, valid.expiresAt))) {
      throw new CandorError('unauthenticated', 'this challenge was already used')
    }
    // A fresh sign-in at the organisation's identity provider renews the SSO session; without
    // one, the last sign-in must still hold (not logged out, within the re-authentication interval).
    if (body.ssoTicket !== undefined) {
      const m = await ctx.store.membershipOf(device.userId)
      const sso = m ? await requiredSso(ctx, m.org, true) : null
      if (!m || !sso) throw new CandorError('bad_request', 'ssoTicket: your organisation does not use single sign-on')
      await recordSignIn(ctx, await useTicket(ctx, body.ssoTicket, m.org, device.userId, sso))
    }
    await checkSsoSession(ctx, device.userId, null)
    // The organisation's policy: an expired guest is refused; the device's last-seen day is kept.
    await signInPolicy(ctx, device)
    const expiresAt = Date.now() + LIMITS.sessionTtlMs
    return { token: ctx.tokens.issue({ deviceId, userId: device.userId, expiresAt }), expiresAt, userId: device.userId }
  })
}
