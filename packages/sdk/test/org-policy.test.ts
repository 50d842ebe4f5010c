// An organisation's signed, versioned policy (docs/organisations.md §Policies): members' clients
// get which policy applies and since when, checked against the pinned key (signature and audit-log
// proof) — a tampered signature, a missing or wrong log proof, another organisation's note are
// refused (`policy_invalid`); and the server enforces what it can, field by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorError, DEFAULT_ORG_POLICY, type OrgPolicy, type OrgPolicyResponse } from '@candor/protocol'
import { FolderBlobStore } from '@candor/store-sqlite'
import { CandorClient } from '../src/index.ts'
import { verifyPolicy } from '../src/data/org-policy-verify.ts'
import { options } from './dev-env.ts'
import { acquaint, code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let blobDir: string
let blobs: FolderBlobStore
let olive: CandorClient
let mia: CandorClient
const strict: OrgPolicy = {
  ...DEFAULT_ORG_POLICY,
  contacts: { scope: 'members', partners: [], guests: { allowed: false, expiryDays: null }, requestsInside: true },
  devices: { maxPerPerson: 1, adminApproval: false, revokeAfterDaysUnseen: null },
  attachments: { maxBytes: 1000, allowedTypes: ['image/*', 'application/pdf'] },
  archive: { required: 'external' },
}

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-policy-blobs-'))
  blobs = await FolderBlobStore.open(blobDir)
  o = await startOrgEnv({ blobs })
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await o.person('mia@acme.example', 'acme')
})
afterAll(async () => {
  await o.close()
  await blobs.close()
  rmSync(blobDir, { recursive: true, force: true })
})

async function served(): Promise<OrgPolicyResponse> {
  return o.env.server.context.policies.served('acme' as never)
}

describe('the organisation policy', () => {
  it('a member sees the defaults (version 0), then each version set, since when, checked', async () => {
    expect(await mia.policy()).toMatchObject({ org: 'acme', version: 0, policy: DEFAULT_ORG_POLICY, auditIndex: null })
    const t0 = Date.now()
    const set = await olive.admin.setPolicy('acme', strict)
    expect(set.version).toBe(1)
    const p = await mia.policy()
    expect(p).toMatchObject({ org: 'acme', version: 1, policy: strict })
    expect(p.since).toBeGreaterThanOrEqual(t0)
    // The version is an entry of the audit trail, which the auditors read.
    await olive.admin.grant('mia@acme.example', 'auditor')
    const trail = await mia.admin.audit('acme')
    expect(trail.entries[p.auditIndex!]!.entry).toMatchObject({ action: 'policy.set', details: { version: 1 } })
    // A second version; a guest or a member of another organisation sees their own organisation's.
    await olive.admin.setPolicy('acme', { ...strict, archive: { required: 'all' } })
    expect((await mia.policy()).version).toBe(2)
    const gail = await o.person('gail@globex.example', 'globex')
    expect(await gail.policy()).toMatchObject({ org: 'globex', version: 0 })
    // Nobody of another organisation sets or reads acme's through the admin API.
    await o.root.admin.grant('gail@globex.example', 'owner')
    expect(await code(gail.admin.setPolicy('acme', DEFAULT_ORG_POLICY))).toBe('not_found')
    expect(await code(gail.admin.policy('acme'))).toBe('not_found')
    expect(await code(mia.admin.setPolicy('acme', DEFAULT_ORG_POLICY))).toBe('forbidden')
    // A bad policy changes nothing.
    expect(await code(olive.admin.setPolicy('acme', { ...strict, devices: { ...strict.devices, maxPerPerson: 0 } }))).toBe('bad_request')
    expect((await mia.policy()).version).toBe(2)
  })

  it('refuses a tampered signature, a missing or foreign log proof, another organisation’s note', async () => {
    const key = (await o.env.server.context.access.log.info()).verifierKey
    const good = await served()
    expect(verifyPolicy(good, key).version).toBe(2)
    const refused = (r: OrgPolicyResponse) => {
      try {
        verifyPolicy(r, key)
        return 'accepted'
      } catch (e) {
        return e instanceof CandorError ? e.code : String(e)
      }
    }
    // Signature: one byte of it changed; the text changed under it.
    const sigAt = good.note!.length - 6
    const flipped = good.note!.slice(0, sigAt) + (good.note![sigAt] === 'A' ? 'B' : 'A') + good.note!.slice(sigAt + 1)
    expect(refused({ ...good, note: flipped })).toBe('policy_invalid')
    expect(refused({ ...good, note: good.note!.replace('"required":"all"', '"required":"none"') })).toBe('policy_invalid')
    // Log proof: none; another entry's; a path that does not lead to the signed root.
    expect(refused({ ...good, proof: null })).toBe('policy_invalid')
    const other = await o.env.server.context.audit.prove('acme' as never, 0)
    expect(refused({ ...good, proof: { index: 0, ...other! } })).toBe('policy_invalid')
    expect(refused({ ...good, proof: { ...good.proof!, path: good.proof!.path.slice(1) } })).toBe('policy_invalid')
    // The previous version's note with this version's proof.
    const v1 = await o.env.server.context.store.governance().policyVersion('acme' as never, 1)
    expect(refused({ ...good, note: v1!.note })).toBe('policy_invalid')
    // Another organisation's signed note (globex sets one) served as acme's.
    const gail = o.env.clients.find((c) => c.userId === 'gail@globex.example')!
    const g = await gail.admin.setPolicy('globex', DEFAULT_ORG_POLICY)
    expect(refused({ ...g, org: 'acme' })).toBe('policy_invalid')
  })

  it('the server enforces devices.maxPerPerson', async () => {
    // strict: one device per person. Mia has one, so a second is refused on approval.
    await olive.admin.setPolicy('acme', strict)
    const laptop = await CandorClient.enrol(options(o.env.server.url), 'mia@acme.example', 'laptop')
    o.env.clients.push(laptop)
    expect(await code(mia.approve(laptop.deviceId))).toBe('forbidden')
    expect((await o.env.server.context.store.listDevices('mia@acme.example' as never)).filter((d) => d.status === 'active')).toHaveLength(1)
    // With two allowed, the same approval goes through.
    await olive.admin.setPolicy('acme', { ...strict, devices: { ...strict.devices, maxPerPerson: 2 } })
    await mia.approve(laptop.deviceId)
    expect((await o.env.server.context.store.listDevices('mia@acme.example' as never)).filter((d) => d.status === 'active')).toHaveLength(2)
  })

  it('the server enforces attachments.maxBytes for the uploader’s organisation', async () => {
    const nat = await o.person('nat@acme.example', 'acme')
    await mia.connect()
    await nat.connect()
    await acquaint(mia, nat)
    const conv = await mia.directConversation('nat@acme.example')
    const refusedUpload = await mia.sendFile(conv, { name: 'big.pdf', type: 'application/pdf', bytes: new Uint8Array(5000) }).then(() => null, (e: unknown) => e)
    expect(refusedUpload).toBeInstanceOf(CandorError)
    expect((refusedUpload as CandorError).code).toBe('body_too_large')
    const sent = await mia.sendFile(conv, { name: 'small.pdf', type: 'application/pdf', bytes: new Uint8Array(10) })
    expect(sent.attachments?.[0]).toMatchObject({ size: 10 })
  })

  it('attachments.retentionDays shortens how long the uploader\'s attachments stay on the server (§2.4 Lifecycle)', async () => {
    const store = o.env.server.context.store
    const nat = await o.person('nat2@acme.example', 'acme')
    await nat.connect()
    await mia.connect()
    await acquaint(mia, nat)
    const conv = await mia.directConversation('nat2@acme.example')
    const day = 24 * 60 * 60 * 1000
    const before = (await mia.policy()).policy
    await olive.admin.setPolicy('acme', { ...before, attachments: { ...before.attachments, retentionDays: 2 } })
    const t0 = Date.now()
    const sent = await mia.sendFile(conv, { name: 'short-lived.pdf', type: 'application/pdf', bytes: new Uint8Array(10) })
    const blobId = sent.attachments![0]!.blob as never
    const expiresAt = (await store.blobDelivery(blobId))!.expiresAt
    expect(expiresAt).toBeGreaterThanOrEqual(t0 + 2 * day)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2 * day)
    // Without the setting, the server's retention (30 days by default) applies.
    await olive.admin.setPolicy('acme', before)
    const later = await mia.sendFile(conv, { name: 'kept.pdf', type: 'application/pdf', bytes: new Uint8Array(10) })
    expect((await store.blobDelivery(later.attachments![0]!.blob as never))!.expiresAt).toBeGreaterThanOrEqual(t0 + 30 * day)
  })

  it('the server enforces contacts.requestsInside (the former contact-policy route is a policy version)', async () => {
    const store = o.env.server.context.store
    expect(await store.contacts().requestsInsideOrg('acme' as never)).toBe(true)
    const before = (await served()).version
    await olive.admin.setPolicy('acme', { ...strict, contacts: { ...strict.contacts, requestsInside: false } })
    expect(await store.contacts().requestsInsideOrg('acme' as never)).toBe(false)
    const res = await fetch(`${o.env.server.url}/v1/orgs/acme/contact-policy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await olive.api.token()}` },
      body: JSON.stringify({ requestsInside: true }),
    })
    expect(res.status).toBe(200)
    expect(await store.contacts().requestsInsideOrg('acme' as never)).toBe(true)
    const p = await mia.policy()
    expect(p.version).toBe(before + 2)
    expect(p.policy.contacts.requestsInside).toBe(true)
    expect(p.policy.attachments).toEqual(strict.attachments)
  })
})
