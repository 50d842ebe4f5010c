// What the organisation's policy asks of each sign-in (POST /v1/auth/session): a guest whose
// access ended is refused (contacts.guests.expiryDays), and the device's last-seen day is kept
// for devices.revokeAfterDaysUnseen — a day, never a finer time (a session lasts an hour, so a
// device in use is seen every day it is used; the server keeps no other trace of when).
import { CandorError, dayOf, type UserId } from '@candor/protocol'
import type { DeviceRecord } from '@candor/ports'
import type { AppContext } from '../../app-context.ts'
import { guestExpired } from './guest-expiry.ts'

/** Per node, the day each device was last marked seen, so a device signing in again that day writes nothing. */
const marked = new WeakMap<AppContext, { day: number; devices: Set<string> }>()

export async function signInPolicy(ctx: AppContext, device: DeviceRecord): Promise<void> {
  const now = ctx.access.now()
  const m = await ctx.store.membershipOf(device.userId as UserId)
  if (m && (await guestExpired(ctx, m, now))) {
    throw new CandorError('forbidden', `your guest access to ${m.org} has ended (its policy lets guests in for a set number of days)`, { details: { policy: true } })
  }
  const day = dayOf(now)
  let seen = marked.get(ctx)
  if (!seen || seen.day !== day) marked.set(ctx, (seen = { day, devices: new Set() }))
  if (seen.devices.has(device.deviceId)) return
  await ctx.store.orgDevices().markSeen(device.deviceId, day)
  seen.devices.add(device.deviceId)
}
