// Every admin call is checked against the organisation of what it touches. An admin whose role
// holds the permission nowhere is `forbidden`; one whose role holds it, but not in the target's
// organisation, hears exactly what it would for a target that does not exist (`unknown_user`,
// `unknown_device`, `not_found`), so an admin of one organisation learns nothing of another's
// people — not even that they exist.
import type { FastifyRequest } from 'fastify'
import { CandorError, type DeviceId, type OrgId, type UserId } from '@candor/protocol'
import type { AdminRecord, DeviceRecord, Membership, OrganisationRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { requireAdmin } from '../access/admins.ts'
import { allowedAnywhere, allowedIn, type Permission } from './roles.ts'

/** Signs the caller in and checks they hold an admin role with this permission somewhere. */
export async function requirePermission(ctx: AppContext, req: FastifyRequest, p: Permission): Promise<AdminRecord> {
  const { admin } = await requireAdmin(ctx, req)
  if (!allowedAnywhere(admin, p)) throw new CandorError('forbidden', `your role (${admin.role}) does not allow ${p}`)
  return admin
}

/** The user's membership, when the admin holds `p` in the user's organisation; else as if there were no such user. */
export async function scopedUser(ctx: AppContext, admin: AdminRecord, userId: UserId, p: Permission): Promise<Membership> {
  const m = await ctx.store.membershipOf(userId)
  if (!m || !allowedIn(admin, m.org, p)) throw new CandorError('unknown_user', 'no such user')
  return m
}

/** The device, when the admin holds `p` in its owner's organisation; else as if there were no such device. */
export async function scopedDevice(ctx: AppContext, admin: AdminRecord, deviceId: DeviceId, p: Permission): Promise<{ device: DeviceRecord; membership: Membership }> {
  const device = await ctx.store.getDevice(deviceId)
  const m = device ? await ctx.store.membershipOf(device.userId) : null
  if (!device || !m || !allowedIn(admin, m.org, p)) throw new CandorError('unknown_device', 'no such device')
  return { device, membership: m }
}

/** The organisation, when the admin holds `p` in it; else as if there were none. */
export async function scopedOrg(ctx: AppContext, admin: AdminRecord, org: OrgId, p: Permission): Promise<OrganisationRecord> {
  const rec = allowedIn(admin, org, p) ? await ctx.store.getOrganisation(org) : null
  if (!rec) throw new CandorError('not_found', 'no such organisation')
  return rec
}
