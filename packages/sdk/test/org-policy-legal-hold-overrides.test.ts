// `retention.legalHoldOverrides` is gone from the organisation policy (docs/protocol.md §4.9): a
// legal hold always overrides retention, timers and erasure in the archive, so no policy edit may
// weaken it. Real server: a version stored before the removal (made the way the server made every
// version then — its own OrgPolicies.set, which signs the note and logs `policy.set`; the HTTP
// route now refuses the field) still verifies on an admin's and a member's device, its note byte
// for byte; a new version carrying the field, either value, is refused by name and changes
// nothing — no version, no audit entry, the policy in force the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, LEGAL_HOLD_OVERRIDES_REMOVED, parseOrgId, parseUserId, policyDiff, type OrgPolicy } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let mia: CandorClient

/** What every version said before the removal (the defaults carried `true`). */
const legacy = (value: boolean) =>
  ({ ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, maxPerPerson: 5 }, retention: { ...DEFAULT_ORG_POLICY.retention, legalHoldOverrides: value } }) as unknown as OrgPolicy

beforeAll(async () => {
  o = await startOrgEnv()
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await o.person('mia@acme.example', 'acme')
})
afterAll(() => o.close())

describe('retention.legalHoldOverrides, removed', () => {
  it('an old version carrying it still verifies; a new one carrying it is refused and changes nothing', async () => {
    const ctx = o.env.server.context
    const admin = (await ctx.store.getAdmin(parseUserId('olive@acme.example')))!
    await ctx.policies.set(admin, parseOrgId('acme'), legacy(false))

    // The stored note is the old format, signed as it was.
    const served = await olive.admin.policy('acme')
    expect(served.note).toContain('"legalHoldOverrides":false')
    const v1 = await olive.admin.policyVersion('acme', 1)
    expect(v1.version).toBe(1)
    expect(v1.policy.devices.maxPerPerson).toBe(5)
    expect(v1.policy.retention).toEqual(DEFAULT_ORG_POLICY.retention)
    expect('legalHoldOverrides' in v1.policy.retention).toBe(false)
    const forMia = await mia.policy()
    expect([forMia.version, forMia.policy.devices.maxPerPerson]).toEqual([1, 5])
    const auditBefore = (await olive.admin.audit('acme')).entries.length

    for (const value of [false, true]) {
      const r = await refusal(olive.admin.setPolicy('acme', legacy(value)))
      expect(r).toEqual({ code: 'bad_request', message: `retention.legalHoldOverrides: ${LEGAL_HOLD_OVERRIDES_REMOVED}` })
    }
    expect((await olive.admin.policyVersions('acme')).versions.map((v) => v.version)).toEqual([1])
    expect((await olive.admin.audit('acme')).entries.length).toBe(auditBefore)
    expect((await mia.policy()).version).toBe(1)
    expect((await olive.admin.policy('acme')).note).toBe(served.note)

    // Without the field, the next version is made; the old one stays in the history, verified, and the diff reads.
    await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, maxPerPerson: 3 } })
    expect((await olive.admin.policyVersions('acme')).versions.map((v) => v.version)).toEqual([2, 1])
    const [a, b] = [await olive.admin.policyVersion('acme', 1), await olive.admin.policyVersion('acme', 2)]
    expect(policyDiff(a.policy, b.policy)).toEqual([{ path: 'devices.maxPerPerson', before: 5, after: 3 }])
    expect((await olive.admin.policy('acme')).note).not.toContain('legalHoldOverrides')
  })
})
