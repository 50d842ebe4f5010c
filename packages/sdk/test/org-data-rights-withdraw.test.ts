// A person withdraws their own pending data-rights request (docs/protocol.md §4.10 `dataRights`,
// POST /v1/account/data-rights/:id/withdraw), through a real server and real clients: mia withdraws
// hers — it ends (never approved or used), a `data_rights.withdraw` entry is in acme's audit trail.
// Nobody else sees it: another person, acme's owner and its support admin, globex's owner are
// answered not_found as for an id that does not exist; a request approved, used, declined, expired
// or withdrawn already is a conflict. Each refusal changes nothing (the request, mia's view of it,
// acme's audit trail).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, type OrgId } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let mia: CandorClient
let max: CandorClient
let sam: CandorClient
let gail: CandorClient
/** How far the server's clock is moved ahead (to expire a request). */
let skew = 0
const HOUR = 3600_000

const stored = (id: string) => o.env.server.context.store.governance().getApproval('acme' as OrgId, id)
const trailSize = async () => (await olive.admin.audit('acme')).entries.length

/** What a refusal must leave as it was: the stored request, mia's view of her rights, acme's audit trail. */
async function snapshot(id: string) {
  return { request: await stored(id), rights: await mia.dataRights(), trail: await trailSize() }
}

beforeAll(async () => {
  o = await startOrgEnv({ accessClock: () => Date.now() + skew })
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await o.person('mia@acme.example', 'acme')
  max = await o.person('max@acme.example', 'acme')
  sam = await o.person('sam@acme.example', 'acme')
  await o.root.admin.grant('sam@acme.example', 'support')
  gail = await o.person('gail@globex.example', 'globex')
  await o.root.admin.grant('gail@globex.example', 'owner')
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, dataRights: { export: 'approval', deletion: 'approval' } })
})
afterAll(async () => o.close())

describe('withdrawing one’s own data-rights request', () => {
  it('nobody else sees it (not_found, as if it did not exist); mia withdraws it: it ends, audited', async () => {
    const asked = await mia.requestDataRight('export')
    const id = asked.id!
    const before = await snapshot(id)
    expect(before.request).toMatchObject({ state: 'pending', requestedBy: 'mia@acme.example' })

    // Another person of acme, acme's owner and support admin, globex's owner: not_found, nothing changed.
    for (const other of [max, olive, sam, gail]) {
      expect(await refusal(other.withdrawDataRight(id))).toEqual({ code: 'not_found', message: 'no such data-rights request' })
    }
    // An id that does not exist, and one that is no id at all: the same answer.
    expect(await code(mia.withdrawDataRight('AAAAAAAAAAAAAAAAAAAAAA'))).toBe('not_found')
    expect(await code(mia.withdrawDataRight('../../orgs/acme'))).toBe('not_found')
    // Without a session: 401, nothing changed.
    const anon = await fetch(`${o.env.server.url}/v1/account/data-rights/${id}/withdraw`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(anon.status).toBe(401)
    expect(await snapshot(id)).toEqual(before)

    // Mia withdraws it.
    const done = await mia.withdrawDataRight(id)
    expect(done).toEqual({ right: 'export', state: 'withdrawn', id, withdrawnAt: expect.any(Number) })
    const view = await mia.dataRights()
    expect(view.rights[0]).toEqual({ right: 'export', state: 'none', id: null, expiresAt: null })
    // Stored as withdrawn (not as a decline or an expiry), and listed so in mia's requests.
    expect(await stored(id)).toMatchObject({ state: 'withdrawn', expiresAt: done.withdrawnAt, approvedBy: null, executedAt: null })
    expect(view.requests[0]).toEqual({ id, right: 'export', state: 'withdrawn', requestedAt: asked.expiresAt! - DEFAULT_ORG_POLICY.approvals.validHours * HOUR, expiresAt: done.withdrawnAt, endedAt: done.withdrawnAt })
    // Nobody else's list holds it.
    expect((await max.dataRights()).requests.map((r) => r.id)).not.toContain(id)
    const trail = await olive.admin.audit('acme')
    expect(trail.entries.length).toBe(before.trail + 1)
    expect(trail.entries.at(-1)!.entry).toMatchObject({ action: 'data_rights.withdraw', actor: { kind: 'person', id: 'mia@acme.example' }, target: `approval:${id}`, details: { right: 'export' } })
    // Gone from the admins' open list; it can be neither approved nor used.
    expect((await olive.admin.approvals('acme')).map((a) => a.id)).not.toContain(id)
    expect(await code(olive.admin.approve('acme', id))).toBe('conflict')
    expect(await refusal(mia.exportData())).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/request it first/) })

    // Withdrawn already: a conflict, nothing changed.
    const after = await snapshot(id)
    expect(await refusal(mia.withdrawDataRight(id))).toMatchObject({ code: 'conflict', message: expect.stringMatching(/no longer pending \(withdrawn\)/) })
    expect(await snapshot(id)).toEqual(after)
  })

  it('someone else’s approval request of two-person control is not a data-rights request: not_found', async () => {
    const other = await olive.admin.requestApproval('acme', { action: 'users.read', target: 'mia@acme.example', why: 'support_request', case: 'W-1' })
    const before = await stored(other.id)
    const trail = await trailSize()
    expect(await code(olive.withdrawDataRight(other.id))).toBe('not_found')
    expect(await code(mia.withdrawDataRight(other.id))).toBe('not_found')
    expect(await stored(other.id)).toEqual(before)
    expect(await trailSize()).toBe(trail)
  })

  it('approved, used or declined: a conflict, and nothing changes', async () => {
    // Approved (not yet used): it stays approved.
    const approved = (await mia.requestDataRight('export')).id!
    await olive.admin.approve('acme', approved)
    let before = await snapshot(approved)
    expect(await refusal(mia.withdrawDataRight(approved))).toMatchObject({ code: 'conflict', message: expect.stringMatching(/no longer pending \(approved\)/) })
    expect(await snapshot(approved)).toEqual(before)

    // Used: the export ran on it.
    await mia.exportData()
    before = await snapshot(approved)
    expect(before.request!.state).toBe('executed')
    expect(await refusal(mia.withdrawDataRight(approved))).toMatchObject({ code: 'conflict', message: expect.stringMatching(/used/) })
    expect(await snapshot(approved)).toEqual(before)

    // Declined by an admin.
    const declined = (await mia.requestDataRight('deletion')).id!
    await olive.admin.decline('acme', declined)
    before = await snapshot(declined)
    expect(await code(mia.withdrawDataRight(declined))).toBe('conflict')
    expect(await snapshot(declined)).toEqual(before)
    // Mia's list tells them apart: the declined one ended, the approved one used.
    const states = Object.fromEntries((await mia.dataRights()).requests.map((r) => [r.id, r.state]))
    expect(states).toMatchObject({ [declined]: 'ended', [approved]: 'used' })
  })

  it('expired: a conflict, and nothing changes', async () => {
    const asked = (await mia.requestDataRight('deletion')).id!
    expect((await stored(asked))!.state).toBe('pending')
    skew = (DEFAULT_ORG_POLICY.approvals.validHours + 1) * HOUR
    try {
      const before = await snapshot(asked)
      expect(before.rights.rights[1]!.state).toBe('none')
      expect(await code(mia.withdrawDataRight(asked))).toBe('conflict')
      expect(await snapshot(asked)).toEqual(before)
    } finally {
      skew = 0
    }
  })
})
