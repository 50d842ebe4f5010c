import { encodeNotice, toBase64Url, type DeviceInfo, type EnrolmentInfo, type Notice } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import type { DeviceRecord, EnrolmentRecord } from '@candor/ports'

export function deviceInfo(d: DeviceRecord): DeviceInfo {
  return {
    deviceId: d.deviceId,
    userId: d.userId,
    name: d.name,
    publicKey: toBase64Url(d.publicKey),
    status: d.status,
    createdAt: d.createdAt,
  }
}

export function enrolmentInfo(e: EnrolmentRecord): EnrolmentInfo {
  return {
    deviceId: e.deviceId,
    userId: e.userId,
    name: e.name,
    publicKey: toBase64Url(e.publicKey),
    status: 'pending',
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
  }
}

/** Tells the active devices in the list about an event, if they are connected. */
export function notifyDevices(ctx: AppContext, devices: readonly DeviceRecord[], notice: Notice): void {
  const frame = encodeNotice(notice)
  ctx.bus.publish(devices.filter((d) => d.status === 'active').map((d) => ({ deviceId: d.deviceId, seq: 0, frame })))
}
