// Listing and revoking one's own devices (others learn a user's devices from the key directory,
// with proofs, and nothing more: no names, no status history). Revocation takes effect at once (tokens stop working, queue
// and key packages are deleted, the device leaves every delivery roster); the owner's other
// devices then remove it from each MLS group by a commit.
import type { FastifyInstance } from 'fastify'
import { CandorError, parseDeviceId, type DeviceInfo } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseParam } from './parse.ts'
import { deviceInfo, enrolmentInfo, notifyDevices } from './device-info.ts'

export function devicesRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** The caller's devices, then their pending enrolment requests (status `pending`). */
  app.get('/v1/devices', async (req): Promise<{ devices: DeviceInfo[] }> => {
    const s = await authenticate(ctx, req)
    const [devices, requests] = await Promise.all([ctx.store.listDevices(s.userId), ctx.store.listEnrolments(s.userId, ctx.enrolments.now())])
    return { devices: [...devices.map(deviceInfo), ...requests.map(enrolmentInfo)] }
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
