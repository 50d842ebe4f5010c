import { encodeNotice, toBase64Url, type DeviceInfo, type Notice } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import type { DeviceRecord } from '@candor/ports'

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

/** Tells the active devices in the list about an event, if they are connected. */
export function notifyDevices(ctx: AppContext, devices: readonly DeviceRecord[], notice: Notice): void {
  const frame = encodeNotice(notice)
  ctx.bus.publish(devices.filter((d) => d.status === 'active').map((d) => ({ deviceId: d.deviceId, seq: 0, frame })))
}
