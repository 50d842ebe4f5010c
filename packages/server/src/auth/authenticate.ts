// Request authentication: a bearer session token, then a check that the device is still
// active (a revoked device's unexpired token stops working at once) and, where the user's
// organisation has SSO, that its sign-in still holds. One store read for a device whose
// organisation has no identity provider (neither its settings nor its policy can then ask for
// SSO): every socket of a reconnect storm passes here.
import type { FastifyRequest } from 'fastify'
import { CandorError } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import type { Session } from './tokens.ts'
import { checkSsoSession, issuedAtOf } from '../organisations/sso/sign-in.ts'

export async function sessionFromToken(ctx: AppContext, token: string | undefined): Promise<Session> {
  if (!token) throw new CandorError('unauthenticated', 'a session token is required')
  const s = ctx.tokens.verify(token)
  if (!s) throw new CandorError('unauthenticated', 'the session token is invalid or expired')
  const device = await ctx.store.deviceAccess(s.deviceId)
  if (!device || device.userId !== s.userId) throw new CandorError('unauthenticated', 'unknown device')
  if (device.status === 'revoked') throw new CandorError('device_revoked', 'this device has been revoked')
  if (device.status !== 'active') throw new CandorError('forbidden', 'this device is not approved yet')
  if (device.orgHasSso) await checkSsoSession(ctx, s.userId, issuedAtOf(s.expiresAt))
  return s
}

export function authenticate(ctx: AppContext, req: FastifyRequest): Promise<Session> {
  const h = req.headers.authorization
  const token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined
  return sessionFromToken(ctx, token)
}
