// Listing and revoking one's own devices (others learn a user's devices from the key directory,
// with proofs, and nothing more: no names, no status history). Revocation takes effect at once (tokens stop working, queue
// and key packages are deleted, the device leaves every delivery roster); the owner's other
// devices then remove it from each MLS group by a commit.
import type { FastifyInstance } from 'fastify'
import { CandorError, parseDeviceId, type DeviceId, type DeviceInfo, type UserId } from '@candor/protocol'
import type { BlobId } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { proposeRemovalsLater } from '../mls/external-removals.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseParam } from './parse.ts'
import { deviceInfo, enrolmentInfo, notifyDevices } from './device-info.ts'
import { publish } from './publish-devices.ts'

/** History archives sealed to a device that is gone can never be read: their ciphertext goes too (docs/protocol.md §4.2). */
async function dropArchivesTo(ctx: AppContext, userId: UserId, deviceId: DeviceId): Promise<void> {
  for (const a of await ctx.store.accountRecovery().archivesOf(userId)) {
    if (a.recipient !== deviceId) continue
    await ctx.store.accountRecovery().deleteArchive(a.archiveId)
    await ctx.blobs?.delete(a.archiveId as BlobId)
  }
}

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
    // One store transaction (status, queue, key packages, rosters, the directory's backlog row).
    const revoked = await ctx.store.revokeDevice(deviceId, s.userId)
    if (!revoked) throw new CandorError('unknown_device', 'no such device on your account')
    const { device, groups } = revoked
    if (device.status === 'revoked') return deviceInfo(device)
    // Published before the owner's devices hear of it (they then check the directory); if that
    // fails, the backlog publishes it later, and the device is taken out all the same.
    const published = await publish(ctx)
    for (const g of groups) ctx.roster.changed(g)
    // The person's last device: they are gone, and the server proposes their removal (protocol.md §5.7).
    proposeRemovalsLater(ctx, ctx.mlsSender, groups)
    const devices = await ctx.store.listDevices(s.userId)
    notifyDevices(ctx, devices, { kind: 'device_revoked', deviceId })
    notifyDevices(ctx, [device], { kind: 'device_revoked', deviceId })
    ctx.sessions.end([deviceId], 'revoked')
    await dropArchivesTo(ctx, s.userId, deviceId)
    ctx.log.info({ userId: s.userId, deviceId, by: s.deviceId }, 'device revoked')
    if (published !== true) throw published
    return deviceInfo({ ...device, status: 'revoked' })
  })
}
