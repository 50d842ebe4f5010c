// Who is who in an organisation's compliance: its officers' active devices (the share holders),
// the people a case covers (named people and everyone in the named conversations), the
// conversations a person is in, and whether a user is the organisation's archive.
import type { DeviceId, GroupId, OrgId, UserId } from '@candor/protocol'
import type { AdminRecord, LegalHoldRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { accountKind } from '../directory/account-kind.ts'

export interface OfficerDeviceRow {
  user: UserId
  device: DeviceId
  publicKey: Uint8Array
}

/** Every active device of every compliance officer of the organisation. */
export async function officerDevices(ctx: AppContext, org: OrgId): Promise<OfficerDeviceRow[]> {
  const out: OfficerDeviceRow[] = []
  const officers = (await ctx.store.listAdmins()).filter((a) => a.role === 'compliance_officer' && a.org === org)
  for (const a of officers.sort((x, y) => (x.userId < y.userId ? -1 : 1))) {
    for (const d of await ctx.store.listDevices(a.userId)) if (d.status === 'active') out.push({ user: a.userId, device: d.deviceId, publicKey: d.publicKey })
  }
  return out
}

/** Whether the admin is a compliance officer of this organisation now (checked on every call). */
export function isOfficerOf(admin: AdminRecord, org: OrgId): boolean {
  return admin.role === 'compliance_officer' && admin.org === org
}

/** The people a case covers: the named people and the current members of the named conversations. */
export async function peopleInScope(ctx: AppContext, people: readonly UserId[], conversations: readonly GroupId[]): Promise<UserId[]> {
  const out = new Set<UserId>(people)
  for (const g of conversations) {
    const group = await ctx.store.getGroup(g)
    for (const d of group?.members ?? []) {
      const dev = await ctx.store.getDevice(d)
      if (dev) out.add(dev.userId)
    }
  }
  return [...out].sort()
}

/** The hold targets that concern a person: themself and every conversation one of their devices is in. */
export async function holdTargetsOf(ctx: AppContext, userId: UserId): Promise<string[]> {
  const targets = new Set<string>([`user:${userId}`])
  for (const d of await ctx.store.listDevices(userId)) {
    for (const g of await ctx.store.listGroups(d.deviceId)) targets.add(`conversation:${g.groupId}`)
  }
  return [...targets]
}

/** The hold as placed (the JSON text stored with it). */
export interface HoldBody {
  case: string
  why: 'legal_hold'
  until: number | null
  /** From when the people concerned see it (a delayed notice), ms. */
  noticeAt: number
  /** The people it concerned when placed (the person, or everyone in the conversation): an erasure after leaving still names it. */
  people?: string[]
}

export function holdBody(h: LegalHoldRecord): HoldBody {
  return JSON.parse(h.hold) as HoldBody
}

/** Whether the user is the organisation's archive account: the one its latest signed policy names (docs/protocol.md §11.2). */
export async function isArchiveOf(ctx: AppContext, org: OrgId, userId: UserId): Promise<boolean> {
  const m = await ctx.store.membershipOf(userId)
  return m !== null && m.org === org && (await accountKind(ctx.store, userId, org)) === 'archive'
}
