// Each role does exactly what the one table says (ROLE_PERMISSIONS in the server), in its own
// organisation: the test is generated from the table. For every role and every permission an
// admin of that role tries the action the permission names on acme; it must work exactly when
// the table lists it, and a refusal (`forbidden`) must change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ROLES, DEFAULT_ORG_POLICY, ORG_ROLES, randomBytes, toBase64Url, type AdminRole, type UserId } from '@candor/protocol'
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '@candor/server'
import { CandorClient } from '../src/index.ts'
import { options } from './dev-env.ts'
import { refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let seq = 0
const fresh = (stem: string) => `${stem}${++seq}@acme.example`
const reason = { why: 'support_request', case: 'R-1' } as const

/** The enrolment clock, moved past the per-address enrolment limit's window by each people.approve trial. */
let enrolmentSkew = 0

beforeAll(async () => {
  o = await startOrgEnv({ enrolmentClock: () => Date.now() + enrolmentSkew })
})
afterAll(async () => o.close())

/** One action per permission, by `admin` on acme; `check` says whether it took effect (after success) or left no trace (after refusal). */
interface Trial {
  run(): Promise<unknown>
  /** True when the action's effect is present. */
  effect(): Promise<boolean>
}

/** An owner of acme who sets the policy the people.approve trial needs. */
let policyOwner: CandorClient | undefined

/** An officer of acme and an archive key its devices hold (what opening a case needs first). */
let keyHolder: CandorClient | undefined
async function ensureArchiveKey(): Promise<void> {
  if (!keyHolder) {
    const u = fresh('key-holder')
    keyHolder = await o.person(u, 'acme')
    await o.root.admin.grant(u, 'compliance_officer')
  }
  if (!(await o.env.server.context.store.compliance().archiveKey('acme' as never, null))) await keyHolder.compliance.keyCeremony('acme', 1)
}

async function trial(admin: CandorClient, p: Permission): Promise<Trial> {
  const store = o.env.server.context.store
  const receiptsOf = async (u: string) => (await store.accessLeavesOf(u as UserId, Number.MAX_SAFE_INTEGER)).length
  switch (p) {
    case 'orgs.create': {
      const id = `org-${++seq}`
      return { run: () => admin.admin.createOrganisation(id, 'New'), effect: async () => (await store.getOrganisation(id as never)) !== null }
    }
    case 'domains.add': {
      const domain = `d${++seq}.acme.example`
      return { run: () => admin.admin.addDomain('acme', domain), effect: async () => (await store.organisationOfDomain(domain)) === 'acme' }
    }
    case 'org.read':
      return { run: () => admin.admin.organisation('acme'), effect: async () => true }
    case 'members.list':
      return { run: () => admin.admin.members('acme'), effect: async () => true }
    case 'sso.manage':
      // Setting needs a live identity provider (server/test/sso-*.test.ts); reading is the same permission.
      return { run: () => admin.admin.ssoSettings('acme'), effect: async () => true }
    case 'signup.set': {
      await store.setSignup('acme' as never, 'open')
      return { run: () => admin.admin.setSignup('acme', 'guests'), effect: async () => (await store.getOrganisation('acme' as never))!.signup === 'guests' }
    }
    case 'roles.grant':
    case 'owners.manage': {
      const u = fresh('grantee')
      await o.person(u, 'acme')
      const role = p === 'owners.manage' ? 'owner' : 'auditor'
      return { run: () => admin.admin.grant(u, role), effect: async () => (await store.getAdmin(u as UserId))?.role === role }
    }
    case 'users.read':
    case 'users.export':
    case 'notices.delay': {
      const u = fresh('subject')
      await o.person(u, 'acme')
      const run =
        p === 'users.read'
          ? () => admin.admin.user(u, reason)
          : p === 'users.export'
            ? () => admin.admin.exportMetadata(u, reason)
            : () => admin.admin.user(u, { why: 'legal_hold', case: 'LH-1', delayUntil: Date.now() + 7 * 24 * 3600_000 })
      return { run, effect: async () => (await receiptsOf(u)) === 1 }
    }
    case 'policy.set': {
      const before = (await store.governance().policyVersion('acme' as never, null))?.version ?? 0
      return { run: () => admin.admin.setPolicy('acme', DEFAULT_ORG_POLICY), effect: async () => ((await store.governance().policyVersion('acme' as never, null))?.version ?? 0) > before }
    }
    case 'audit.read':
      return { run: () => admin.admin.audit('acme'), effect: async () => true }
    case 'siem.manage':
      // Setting it is tried in server/test/org-audit-siem.test.ts (it needs receivers); reading is the same permission.
      return { run: () => admin.admin.siem('acme'), effect: async () => true }
    case 'scim.manage': {
      const before = (await store.listScimTokens('acme' as never)).length
      return { run: () => admin.admin.createScimToken('acme'), effect: async () => (await store.listScimTokens('acme' as never)).length > before }
    }
    case 'compliance.keys': {
      await ensureArchiveKey()
      const version = async () => (await store.compliance().archiveKey('acme' as never, null))?.version ?? 0
      const before = await version()
      const devices = (await Promise.all((await store.listAdmins()).filter((a) => a.role === 'compliance_officer' && a.org === 'acme').map((a) => store.listDevices(a.userId)))).flat()
      const k = devices.filter((d) => d.status === 'active').length > 1 ? 2 : 1
      return { run: () => admin.compliance.keyCeremony('acme', k), effect: async () => (await version()) > before }
    }
    case 'compliance.open': {
      await ensureArchiveKey()
      const u = fresh('in-scope')
      await o.person(u, 'acme')
      const before = (await store.compliance().listUnlocks('acme' as never, 1000)).length
      return {
        run: () => admin.compliance.requestUnlock('acme', { scope: { conversations: [], people: [u], from: 0, to: Date.now() }, why: 'legal_obligation', case: 'CASE-1' }),
        effect: async () => (await store.compliance().listUnlocks('acme' as never, 1000)).length > before,
      }
    }
    case 'holds.manage': {
      const u = fresh('held')
      await o.person(u, 'acme')
      return {
        run: () => admin.compliance.placeHold('acme', `user:${u}`, { case: 'LH-2' }),
        effect: async () => (await store.compliance().activeHoldsOn([`user:${u}`])).length === 1 && (await receiptsOf(u)) === 1,
      }
    }
    case 'people.approve': {
      // A device of a person of acme, approved by their own device and held by acme's policy.
      if (!policyOwner) {
        policyOwner = await o.person(fresh('policy-owner'), 'acme')
        await o.root.admin.grant(policyOwner.userId, 'owner')
      }
      await policyOwner.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, adminApproval: true } })
      enrolmentSkew += 11 * 60_000
      const u = fresh('device-holder')
      const c = await o.person(u, 'acme')
      const laptop = await CandorClient.enrol(options(o.env.server.url), u, 'laptop')
      o.env.clients.push(laptop)
      await c.approve(laptop.deviceId)
      return {
        run: () => admin.admin.approveDevice('acme', laptop.deviceId, reason),
        effect: async () => (await store.getDevice(laptop.deviceId as never))!.status === 'active' && (await receiptsOf(u)) === 1,
      }
    }
    case 'conversations.link': {
      // A conversation the admin is a member of, and a SCIM group of acme (docs/protocol.md §5.9).
      const groupId = await admin.createConversation([])
      const scimGroupId = toBase64Url(randomBytes(12))
      await store.createScimGroup({ id: scimGroupId, org: 'acme' as never, displayName: `g${++seq}`, externalId: null, members: [], createdAt: Date.now() })
      return {
        run: () => admin.admin.linkConversation('acme', groupId, scimGroupId),
        effect: async () => (await store.directoryLinkOf(groupId as never))?.scimGroupId === scimGroupId,
      }
    }
    case 'devices.suspend': {
      const u = fresh('device-owner')
      const c = await o.person(u, 'acme')
      return {
        run: () => admin.admin.suspendDevice(c.deviceId, { why: 'security_investigation', case: 'S-1' }),
        effect: async () => (await store.getDevice(c.deviceId as never))!.status === 'revoked' && (await receiptsOf(u)) === 1,
      }
    }
  }
}

describe('the roles table, role by role, in the role’s own organisation', () => {
  it('names every role and every permission once', () => {
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...ADMIN_ROLES].sort())
    for (const r of ADMIN_ROLES) {
      expect(new Set(ROLE_PERMISSIONS[r]).size).toBe(ROLE_PERMISSIONS[r].length)
      for (const p of ROLE_PERMISSIONS[r]) expect(PERMISSIONS).toContain(p)
    }
    // The delay is tried on a read, so a role that may delay must be able to read.
    for (const r of ADMIN_ROLES) if (ROLE_PERMISSIONS[r].includes('notices.delay')) expect(ROLE_PERMISSIONS[r]).toContain('users.read')
  })

  // The operator acts on acme here, where only its own list holds (in `default` it is also owner).
  const roles: AdminRole[] = [...ORG_ROLES, 'operator']
  for (const role of roles) {
    it(`${role}: ${ROLE_PERMISSIONS[role].join(', ')} — and nothing else`, async () => {
      let admin = o.root
      if (role !== 'operator') {
        const u = fresh(role.replace('_', '-'))
        admin = await o.person(u, 'acme')
        await o.root.admin.grant(u, role)
        expect(await admin.admin.me()).toMatchObject({ role, org: 'acme' })
      }
      for (const p of PERMISSIONS) {
        const t = await trial(admin, p)
        const allowed = ROLE_PERMISSIONS[role].includes(p)
        // What the operator holds in `default` only, it is refused in acme as for a target that does not exist.
        const elsewhere = role === 'operator' && ROLE_PERMISSIONS.owner.includes(p)
        const outcome = await refusal(t.run())
        if (allowed) expect([p, outcome]).toEqual([p, expect.stringMatching(/^no error/)])
        else if (elsewhere) expect([p, outcome]).toEqual([p, { code: expect.stringMatching(/^(not_found|unknown_user|unknown_device)$/), message: expect.any(String) }])
        else expect([p, outcome]).toEqual([p, { code: 'forbidden', message: expect.any(String) }])
        // Reads have no effect to check (sso.manage is tried as its read: setting it needs a live provider, server/test/sso-sign-in.test.ts).
        if (!['org.read', 'members.list', 'sso.manage', 'audit.read', 'siem.manage'].includes(p)) expect([p, await t.effect()]).toEqual([p, allowed])
        await o.env.server.context.store.setSignup('acme' as never, 'open')
      }
    })
  }

  it('the operator is owner of default: it reads and suspends there', async () => {
    const dan = await o.env.user('dan')
    expect((await o.root.admin.user('dan', reason)).userId).toBe('dan')
    expect((await o.root.admin.members('default')).members.map((m) => m.userId)).toEqual(expect.arrayContaining(['dan', 'root']))
    expect((await o.root.admin.suspendDevice(dan.deviceId, reason)).status).toBe('revoked')
  })

  it('an admin may not make an owner, nor take an owner’s role away; an owner may', async () => {
    const own = fresh('owner')
    const adm = fresh('admin')
    const owner = await o.person(own, 'acme')
    const admin = await o.person(adm, 'acme')
    await o.root.admin.grant(own, 'owner')
    await o.root.admin.grant(adm, 'admin')
    expect((await refusal(admin.admin.revoke(own, { why: 'security_investigation', case: 'X' })) as { code: string }).code).toBe('not_found')
    expect((await o.env.server.context.store.getAdmin(own as UserId))?.role).toBe('owner')
    expect(await owner.admin.revoke(adm, { why: 'security_investigation', case: 'X' })).toMatchObject({ userId: adm, role: 'admin' })
    expect(await o.env.server.context.store.getAdmin(adm as UserId)).toBeNull()
  })
})
