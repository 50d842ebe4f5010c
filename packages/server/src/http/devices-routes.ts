// Listing and revoking devices. Revocation takes effect at once (tokens stop working, queue
// and key packages are deleted, the device leaves every delivery roster); the owner's other
// devices then remove it from each MLS group by a commit.
import type { FastifyInstance } from 'fastify'
import { CandorError, parseDeviceId, parseUserId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseParam } from './parse.ts'
import { deviceInfo, notifyDevices } from './device-info.ts'

export function devicesRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/devices', async (req) => {
    const s = await authenticate(ctx, req)
    return { devices: (await ctx.store.listDevices(s.userId)).map(deviceInfo) }
  })

  app.get('/v1/users/:userId/devices', async (req) => {
    await authenticate(ctx, req)
    const userId = parseParam(req.params, 'userId', parseUserId)
    if (!(await ctx.store.userExists(userId))) throw new CandorError('unknown_user', 'no such user')
    return { devices: (await ctx.store.listDevices(userId)).filter((d) => d.status !== 'pending').map(deviceInfo) }
  })

  app.delete('/v1/devices/:deviceId', async (req) => {
    const s = await authenticate(ctx, req)
    const deviceId = parseParam(req.params, 'deviceId', parseDeviceId)
    const device = await ctx.store.getDevice(deviceId)
    if (!device || device.userId !== s.userId) throw new CandorError('unknown_device', 'no such device on your account')
    if (device.status === 'revoked') return deviceInfo(device)
    const groups = await ctx.store.listGroups(deviceId)
    await ctx.store.setDeviceStatus(deviceId, 'revoked')
    await ctx.directory.publishUser(s.userId)
    for (const g of groups) {
      await ctx.store.removeMember(g.groupId, deviceId)
      ctx.roster.changed(g.groupId)
    }
    const devices = await ctx.store.listDevices(s.userId)
    notifyDevices(ctx, devices, { kind: 'device_revoked', deviceId })
    notifyDevices(ctx, [{ ...device, status: 'active' }], { kind: 'device_revoked', deviceId })
    ctx.sessions.end([deviceId], 'revoked')
    ctx.log.info({ userId: s.userId, deviceId, by: s.deviceId }, 'device revoked')
    return deviceInfo({ ...device, status: 'revoked' })
  })
}
