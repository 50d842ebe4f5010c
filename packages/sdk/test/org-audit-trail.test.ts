// The organisation audit trail (docs/organisations.md §Audit trail): every admin action the test
// takes on acme is in acme's signed log — and nothing else is — read by its auditor with proofs
// checked on the device; another organisation's admin sees nothing of it; a tampered entry, a
// forged checkpoint or a rewritten history is refused; and a syslog collector over TLS and an
// HTTPS webhook (certificates made by the test) receive every entry from their configuration on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orgAuditResponse, type AuditEntry } from '@candor/protocol'
import { SIG_TYPE_ED25519, formatVerifierKey } from '@candor/transparency'
import type { CandorClient } from '../src/index.ts'
import { verifiedOrgAudit } from '../src/data/org-audit-verify.ts'
import type { DataApi } from '../src/data/data-api.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'
import { waitFor } from './dev-env.ts'
import { startReceivers, type Receivers } from '@candor/testkit/siem-receivers'

let o: OrgEnv
let rx: Receivers
const reason = { why: 'support_request', case: 'T-14' } as const

beforeAll(async () => {
  o = await startOrgEnv({ siemBackoffMs: 20 })
  rx = await startReceivers()
})
afterAll(async () => {
  await o.close()
  await rx.close()
})

type Step = Pick<AuditEntry, 'action' | 'target'> & { actor: string }
const summary = (e: AuditEntry): Step => ({ action: e.action, target: e.target, actor: e.actor.id })

async function scim(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(`${o.env.server.url}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null }
}

describe('the organisation audit trail', () => {
  let owner: CandorClient
  let auditor: CandorClient
  const taken: Step[] = []

  it('holds every admin action the test took on acme, in order, with proofs; refusals leave nothing', async () => {
    // The environment made acme and recorded its domain (the operator `root`).
    taken.push({ action: 'org.create', target: 'org:acme', actor: 'root' }, { action: 'domain.add', target: 'org:acme', actor: 'root' })
    owner = await o.person('olive@acme.example', 'acme')
    await o.root.admin.grant('olive@acme.example', 'owner')
    taken.push({ action: 'role.grant', target: 'user:olive@acme.example', actor: 'root' })

    // Streaming starts here: every entry from this one on reaches both receivers.
    await owner.admin.setSiem('acme', { syslog: { host: '127.0.0.1', port: rx.syslogPort, ca: rx.ca }, webhook: { url: rx.webhookUrl, ca: rx.ca } })
    taken.push({ action: 'siem.set', target: 'org:acme', actor: 'olive@acme.example' })
    const streamedFrom = taken.length - 1

    auditor = await o.person('aude@acme.example', 'acme')
    const support = await o.person('sam@acme.example', 'acme')
    const admin = await o.person('adam@acme.example', 'acme')
    for (const [u, role] of [['aude@acme.example', 'auditor'], ['sam@acme.example', 'support'], ['adam@acme.example', 'admin']] as const) {
      await owner.admin.grant(u, role)
      taken.push({ action: 'role.grant', target: `user:${u}`, actor: 'olive@acme.example' })
    }
    await admin.admin.setSignup('acme', 'guests')
    taken.push({ action: 'signup.set', target: 'org:acme', actor: 'adam@acme.example' })
    const t1 = await owner.admin.createScimToken('acme')
    taken.push({ action: 'scim_token.create', target: `token:${t1.id}`, actor: 'olive@acme.example' })
    await owner.admin.revokeScimToken('acme', t1.id)
    taken.push({ action: 'scim_token.revoke', target: `token:${t1.id}`, actor: 'olive@acme.example' })
    await owner.admin.revokeScimToken('acme', t1.id) // again: nothing changes, nothing is logged

    const erin = await o.person('erin@acme.example', 'acme')
    await support.admin.user('erin@acme.example', reason)
    taken.push({ action: 'user.read', target: 'user:erin@acme.example', actor: 'sam@acme.example' })
    await owner.admin.exportMetadata('erin@acme.example', reason)
    taken.push({ action: 'user.export', target: 'user:erin@acme.example', actor: 'olive@acme.example' })
    await support.admin.suspendDevice(erin.deviceId, { why: 'security_investigation', case: 'S-9' })
    taken.push({ action: 'device.suspend', target: `device:${erin.deviceId}`, actor: 'sam@acme.example' })

    // SCIM: a token, a person provisioned (not an admin action), then deprovisioned.
    const t2 = await owner.admin.createScimToken('acme')
    taken.push({ action: 'scim_token.create', target: `token:${t2.id}`, actor: 'olive@acme.example' })
    const created = await scim(t2.token, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'fay@acme.example', externalId: 'fay-1' })
    expect([created.status, created.json]).toEqual([201, expect.anything()])
    expect((await scim(t2.token, 'DELETE', `/Users/${String(created.json!['id'])}`)).status).toBe(204)
    // The actor is the token that asked, so an auditor knows which integration did it.
    taken.push({ action: 'scim.deprovision', target: 'user:fay@acme.example', actor: t2.id })

    await owner.admin.revoke('sam@acme.example', { why: 'security_investigation', case: 'R-2' })
    taken.push({ action: 'role.revoke', target: 'user:sam@acme.example', actor: 'olive@acme.example' })

    // Refusals change nothing and log nothing: a support admin (now none) and an auditor acting.
    expect(await code(support.admin.setSignup('acme', 'open'))).toBe('forbidden')
    expect(await code(auditor.admin.setSiem('acme', {}))).toBe('forbidden')
    expect(await code(auditor.admin.createScimToken('acme'))).toBe('forbidden')
    // An admin of another organisation sees nothing of acme's trail, as if acme did not exist.
    const gail = await o.person('gail@globex.example', 'globex')
    await o.root.admin.grant('gail@globex.example', 'owner')
    expect(await code(gail.admin.audit('acme'))).toBe('not_found')
    expect(await code(gail.admin.siem('acme'))).toBe('not_found')
    expect(await code(support.admin.audit('acme'))).toBe('forbidden')

    const trail = await auditor.admin.audit('acme')
    expect(trail.entries.map((e) => summary(e.entry))).toEqual(taken)
    expect(trail.entries.map((e) => e.index)).toEqual(taken.map((_, i) => i))
    expect(trail.checkpoint.size).toBe(taken.length)
    // The entry says with what reason (a delayed notice would show its date to the auditors).
    expect(trail.entries.find((e) => e.entry.action === 'device.suspend')!.entry.details).toMatchObject({ why: 'security_investigation', case: 'S-9', userId: 'erin@acme.example' })
    // Globex's trail holds its own entries only.
    const globex = await gail.admin.audit('globex')
    expect(globex.entries.every((e) => e.entry.org === 'globex')).toBe(true)
    expect(globex.entries.map((e) => e.entry.action)).toEqual(['org.create', 'domain.add', 'role.grant'])

    // Both receivers get every entry from the configuration on (the webhook after a refused first try each).
    const want = trail.entries.slice(streamedFrom)
    await waitFor(() => rx.webhook.size >= want.length && new Set(rx.syslog.map((m) => m.sd['index'])).size >= want.length, 'SIEM deliveries', 60_000)
    for (const e of want) {
      expect(rx.webhook.get(`acme:${e.index}`)).toEqual({ org: 'acme', index: e.index, entry: JSON.parse(e.text) })
      const m = rx.syslog.find((x) => x.sd['index'] === String(e.index))!
      expect(m).toMatchObject({ pri: 109, version: 1, app: 'candor', msgid: e.entry.action, sd: { org: 'acme', index: String(e.index) } })
      expect(m.msg).toBe(e.text)
    }
    expect(rx.refused).toBeGreaterThanOrEqual(want.length)
    expect(rx.webhook.size).toBe(want.length)

    // The owner sees how each destination fared: the last index delivered, the webhook's refusals
    // (each entry's first try) as its last error, nothing left retrying or given up.
    const last = want.at(-1)!.index
    await waitFor(async () => {
      const d = (await owner.admin.siem('acme')).delivery
      return d?.webhook?.lastDelivered === last && d.syslog?.lastDelivered === last && d.webhook.retrying === 0
    }, 'the delivery state to catch up', 60_000)
    const { delivery } = await owner.admin.siem('acme')
    expect(delivery).toEqual({
      syslog: { target: `127.0.0.1:${rx.syslogPort}`, lastDelivered: last, lastDeliveredAt: expect.any(Number), lastError: null, lastErrorAt: null, retrying: 0, failed: 0 },
      webhook: { target: rx.webhookUrl, lastDelivered: last, lastDeliveredAt: expect.any(Number), lastError: 'webhook answered 503', lastErrorAt: expect.any(Number), retrying: 0, failed: 0 },
    })
  })

  it('extends a checkpoint saved earlier, and refuses a rewritten history', async () => {
    const before = await auditor.admin.audit('acme')
    await owner.admin.setSignup('acme', 'closed')
    const after = await auditor.admin.audit('acme', { from: before.checkpoint.size, known: before.checkpoint })
    expect(after.entries.map((e) => [e.index, e.entry.action])).toEqual([[before.checkpoint.size, 'signup.set']])
    const forged = { size: before.checkpoint.size, root: before.checkpoint.root.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }
    expect(await code(auditor.admin.audit('acme', { known: forged }))).toBe('receipt_invalid')
  })

  it('refuses a tampered entry, a dropped entry and a checkpoint not signed by the pinned key', async () => {
    const real = o.env.server.context.audit
    const page = await real.read('acme' as never, 0)
    const pinned = (await o.env.server.context.access.log.info()).verifierKey
    const api = (answer: unknown): DataApi => ({ call: async (schema: { parse(x: unknown): unknown }) => schema.parse(answer) }) as unknown as DataApi
    // The genuine page passes.
    expect((await verifiedOrgAudit(api(page), pinned, 'acme')).entries).toHaveLength(page.entries.length)
    const tampered = { ...page, entries: page.entries.map((e, i) => (i === 2 ? { ...e, entry: e.entry.replace('"role.grant"', '"signup.set"') } : e)) }
    expect(await code(verifiedOrgAudit(api(tampered), pinned, 'acme'))).toBe('receipt_invalid')
    const dropped = { ...page, entries: page.entries.filter((_, i) => i !== 3) }
    expect(await code(verifiedOrgAudit(api(dropped), pinned, 'acme'))).toBe('receipt_invalid')
    // Another key (the directory's) signs nothing of acme's; nor does acme's key sign globex's.
    const globexPage = await real.read('globex' as never, 0)
    expect(await code(verifiedOrgAudit(api({ ...globexPage, org: 'acme' }), pinned, 'acme'))).toBe('receipt_invalid')
    const wrongKey = formatVerifierKey('candor/access-log', SIG_TYPE_ED25519, o.env.server.context.directory.directory.signingPublicKey)
    expect(await code(verifiedOrgAudit(api(page), wrongKey, 'acme'))).toBe('receipt_invalid')
    expect(orgAuditResponse.safeParse(page).success).toBe(true)
  })
})
