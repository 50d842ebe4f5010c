// The policy fields enforced beyond devices, attachment size and approvals (docs/organisations.md
// "Policies"), each through a real server and real SDK clients: who may talk to whom
// (contacts.scope members / partners, both organisations' policies; guests allowed), disappearing messages
// allowed and their bounds (retention), and the media types a client may send
// (attachments.allowedTypes, enforced by the sending client: the server sees ciphertext).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ORG_POLICY, type OrgPolicy } from '@candor/protocol'
import { FolderBlobStore } from '@candor/store-sqlite'
import type { CandorClient } from '../src/index.ts'
import { acquaint, code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let blobDir: string
let blobs: FolderBlobStore
let acmeOwner: CandorClient
let globexOwner: CandorClient
let alice: CandorClient
let bob: CandorClient
let gail: CandorClient

const withContacts = (scope: OrgPolicy['contacts']['scope'], partners: string[] = []): OrgPolicy => ({
  ...DEFAULT_ORG_POLICY,
  contacts: { ...DEFAULT_ORG_POLICY.contacts, scope, partners: partners as never },
})

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-policy-enforce-'))
  blobs = await FolderBlobStore.open(blobDir)
  o = await startOrgEnv({ blobs })
  acmeOwner = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  globexOwner = await o.person('gus@globex.example', 'globex')
  await o.root.admin.grant('gus@globex.example', 'owner')
  alice = await o.person('alice@acme.example', 'acme')
  bob = await o.person('bob@acme.example', 'acme')
  gail = await o.person('gail@globex.example', 'globex')
  for (const c of [alice, bob, gail]) await c.connect()
  await acquaint(alice, gail)
  await acquaint(alice, bob)
}, 120_000)
afterAll(async () => {
  await o.close()
  await blobs.close()
  rmSync(blobDir, { recursive: true, force: true })
})

describe('who may talk to whom (contacts.scope, partners)', () => {
  it('members only: alice talks to bob of acme, not to gail of globex; nothing is made', async () => {
    await acmeOwner.admin.setPolicy('acme', withContacts('members'))
    const conv = await alice.createConversation([bob.userId])
    await alice.send(conv, 'inside')
    const r = await refusal(alice.createConversation([gail.userId]))
    expect(r).toMatchObject({ code: 'forbidden' })
    expect(JSON.stringify(r)).toMatch(/members only/)
    // Adding her to the conversation with bob is refused the same way; bob's conversation goes on.
    expect(await code(alice.addMembers(conv, [gail.userId]))).toBe('forbidden')
    expect(alice.conversations().find((c) => c.id === conv)?.members).toEqual([alice.userId, bob.userId].sort())
  }, 180_000)

  it('partners: acme lists globex, so alice and gail talk — unless globex keeps its people to its members', async () => {
    await acmeOwner.admin.setPolicy('acme', withContacts('partners', ['globex']))
    await globexOwner.admin.setPolicy('globex', withContacts('members'))
    // globex's policy refuses it from gail's side, whoever commits.
    expect(await code(alice.createConversation([gail.userId]))).toBe('forbidden')
    await globexOwner.admin.setPolicy('globex', withContacts('partners', ['acme']))
    const conv = await alice.createConversation([gail.userId])
    expect(alice.conversations().find((c) => c.id === conv)?.members).toEqual([alice.userId, gail.userId].sort())
    // A partner list that does not name the other organisation refuses.
    await acmeOwner.admin.setPolicy('acme', withContacts('partners', ['initech']))
    expect(await code(alice.createConversation([gail.userId]))).toBe('forbidden')
    await acmeOwner.admin.setPolicy('acme', DEFAULT_ORG_POLICY)
    await globexOwner.admin.setPolicy('globex', DEFAULT_ORG_POLICY)
  }, 180_000)
})

describe('guests (contacts.guests.allowed)', () => {
  it('a guest acme hosts: talks to acme’s people while guests are allowed, not once the policy allows none', async () => {
    await o.root.admin.setSignup('acme', 'guests')
    const gwen = await o.person('gwen', 'acme')
    await o.root.admin.setSignup('acme', 'open')
    expect(await o.env.server.context.store.membershipOf('gwen' as never)).toMatchObject({ org: 'acme', guest: true })
    await gwen.connect()
    await acquaint(alice, gwen)
    await acmeOwner.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, contacts: { ...DEFAULT_ORG_POLICY.contacts, guests: { allowed: false, expiryDays: null } } })
    const r = await refusal(alice.createConversation([gwen.userId]))
    expect(r).toMatchObject({ code: 'forbidden' })
    expect(JSON.stringify(r)).toMatch(/no guests/)
    await acmeOwner.admin.setPolicy('acme', DEFAULT_ORG_POLICY)
    const conv = await alice.createConversation([gwen.userId])
    expect(alice.conversations().find((c) => c.id === conv)?.members).toEqual([alice.userId, gwen.userId].sort())
  }, 180_000)
})

describe('disappearing messages (retention)', () => {
  it('not allowed: a timer is refused and nothing changes; allowed within bounds: outside them refused', async () => {
    const conv = await alice.createConversation([bob.userId])
    await acmeOwner.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, retention: { ...DEFAULT_ORG_POLICY.retention, disappearingAllowed: false } })
    expect(await code(alice.setDisappearingTimer(conv, 3600))).toBe('forbidden')
    expect(await alice.disappearingTimer(conv)).toBeNull()
    await acmeOwner.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, retention: { minSeconds: 60, maxSeconds: 86_400, disappearingAllowed: true } })
    expect(await code(alice.setDisappearingTimer(conv, 30))).toBe('bad_request')
    expect(await code(alice.setDisappearingTimer(conv, 7 * 86_400))).toBe('bad_request')
    expect(await alice.disappearingTimer(conv)).toBeNull()
    expect(await alice.setDisappearingTimer(conv, 3600)).toBe(3_600_000)
    // Turning it off is always allowed.
    expect(await alice.setDisappearingTimer(conv, null)).toBeNull()
    await acmeOwner.admin.setPolicy('acme', DEFAULT_ORG_POLICY)
  }, 180_000)

  it('a member of another organisation whose policy forbids timers: refused in the shared conversation', async () => {
    const conv = await alice.createConversation([gail.userId])
    await globexOwner.admin.setPolicy('globex', { ...DEFAULT_ORG_POLICY, retention: { ...DEFAULT_ORG_POLICY.retention, disappearingAllowed: false } })
    const r = await refusal(alice.setDisappearingTimer(conv, 3600))
    expect(r).toMatchObject({ code: 'forbidden' })
    expect(JSON.stringify(r)).toMatch(/globex/)
    await globexOwner.admin.setPolicy('globex', DEFAULT_ORG_POLICY)
  }, 180_000)
})

describe('attachments.allowedTypes (the sending client)', () => {
  it('a type the policy does not list is refused before anything is uploaded; listed types go', async () => {
    const conv = await alice.createConversation([bob.userId])
    await acmeOwner.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, attachments: { maxBytes: 10_000, allowedTypes: ['image/*', 'application/pdf'] } })
    const before = (await o.env.server.context.store.blobsOf(alice.userId as never, 1000)).length
    const r = await refusal(alice.sendFile(conv, { name: 'notes.txt', type: 'text/plain', bytes: new Uint8Array(10) }))
    expect(r).toMatchObject({ code: 'forbidden' })
    expect((await o.env.server.context.store.blobsOf(alice.userId as never, 1000)).length).toBe(before)
    expect((await alice.sendFile(conv, { name: 'cat.png', type: 'image/png', bytes: new Uint8Array(10) })).attachments?.[0]).toMatchObject({ size: 10 })
    expect((await alice.sendFile(conv, { name: 'a.pdf', type: 'application/pdf', bytes: new Uint8Array(10) })).attachments?.[0]).toMatchObject({ size: 10 })
    await acmeOwner.admin.setPolicy('acme', DEFAULT_ORG_POLICY)
  }, 180_000)
})
