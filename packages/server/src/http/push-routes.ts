// Web Push subscriptions (docs/protocol.md, "Web Push"): a device registers, replaces or deletes
// its own — only its own: the device id in the path must be the caller's.
import type { FastifyInstance } from 'fastify'
import { CandorError, parseDeviceId, putPushSubscriptionRequest, type VapidKeyResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import type { PushWaker } from '../push/push-waker.ts'
import { parseBody } from './parse.ts'

export function pushRoutes(app: FastifyInstance, ctx: AppContext, waker: PushWaker, allowHttpEndpoints: boolean): void {
  app.get('/v1/push/vapid-key', async (req): Promise<VapidKeyResponse> => {
    await authenticate(ctx, req)
    return { publicKey: waker.publicKey }
  })

  app.put<{ Params: { deviceId: string } }>('/v1/devices/:deviceId/push-subscription', async (req) => {
    const s = await authenticate(ctx, req)
    const deviceId = parseDeviceId(req.params.deviceId, 'deviceId')
    if (deviceId !== s.deviceId) throw new CandorError('forbidden', 'a device registers only its own push subscription')
    const body = parseBody(putPushSubscriptionRequest, req.body)
    if (!allowHttpEndpoints && !body.endpoint.startsWith('https:')) throw new CandorError('bad_request', 'endpoint: must be an https URL')
    await ctx.store.pushSubscriptions().put({ deviceId, userId: s.userId, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth, createdAt: Date.now() })
    return { registered: true }
  })

  app.delete<{ Params: { deviceId: string } }>('/v1/devices/:deviceId/push-subscription', async (req) => {
    const s = await authenticate(ctx, req)
    const deviceId = parseDeviceId(req.params.deviceId, 'deviceId')
    if (deviceId !== s.deviceId) throw new CandorError('forbidden', 'a device deletes only its own push subscription')
    return { deleted: await ctx.store.pushSubscriptions().delete(deviceId) }
  })
}
