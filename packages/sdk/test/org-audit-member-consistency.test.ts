// Members check the consistency of their organisation's audit trail (docs/protocol.md §4.8
// "Members check consistency"), through real servers and a real client: mia (a member of acme)
// remembers the trail's checkpoint each time she reads acme's policy, persisted in her device's
// store. An honest extension (olive sets a new policy version) is accepted with the server's
// consistency proof, and remembered. Then the operator rewrites an old entry of acme's trail
// straight in the database and a server started on that database (same keys) serves the forged
// log: mia's client refuses the policy (`policy_invalid`), raises the `org_audit_fork` alert once,
// and keeps the checkpoint it remembered — both for a rewritten log of the same size and for one
// that has grown since.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createServer, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { DEFAULT_ORG_POLICY, type OrgId } from '@candor/protocol'
import { merkleLeafHash } from '@candor/transparency'
import { CandorClient, MemoryLocalStore, type SecurityAlert } from '../src/index.ts'
import { options } from './dev-env.ts'
import { code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let mia: CandorClient
const miaStore = new MemoryLocalStore()
let forged: { server: CandorServer; store: SqliteStore } | undefined
const remembered = async () => JSON.parse((await miaStore.get('org-audit-checkpoint/acme')) ?? 'null') as { size: number; root: string } | null
const trailSize = async () => (await olive.admin.audit('acme')).checkpoint

beforeAll(async () => {
  o = await startOrgEnv()
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await CandorClient.register(options(o.env.server.url, miaStore), 'mia@acme.example', 'phone', 'acme')
  o.env.clients.push(mia)
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, attachments: { ...DEFAULT_ORG_POLICY.attachments, maxBytes: 1_000_000 } })
})
afterAll(async () => {
  if (forged) {
    await forged.server.close()
    await forged.store.close()
  }
  await o.close()
})

/** The operator, with the server's database file, rewrites one entry of acme's trail (text and leaf hash). */
function rewriteEntry(index: number): void {
  const db = new Database(join(o.env.dataDir, 'candor.db'), { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    const row = db.prepare('SELECT entry FROM org_audit_log WHERE org_id = ? AND idx = ?').get('acme', index) as { entry: Buffer }
    const entry = JSON.parse(Buffer.from(row.entry).toString('utf8')) as { details: Record<string, unknown> }
    entry.details = { ...entry.details, rewritten: true }
    const text = Buffer.from(JSON.stringify(entry), 'utf8')
    expect(db.prepare('UPDATE org_audit_log SET entry = ?, leaf_hash = ? WHERE org_id = ? AND idx = ?').run(text, merkleLeafHash(text), 'acme', index).changes).toBe(1)
  } finally {
    db.close()
  }
}

describe('a member’s client checks the audit trail’s checkpoints for consistency', () => {
  it('remembers the checkpoint it saw, and accepts an honest extension with its proof', async () => {
    expect(await remembered()).toBeNull()
    const first = await mia.policy()
    expect(first.version).toBe(1)
    const seen = (await remembered())!
    expect(seen.size).toBeGreaterThan(1)
    // Read again: the same checkpoint, nothing changes.
    await mia.policy()
    expect(await remembered()).toEqual(seen)

    // Olive sets a new version: the trail grows, mia's client checks the consistency proof and remembers the larger checkpoint.
    await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, attachments: { ...DEFAULT_ORG_POLICY.attachments, maxBytes: 2_000_000 } })
    const alerts: SecurityAlert[] = []
    mia.on('alert', (a) => alerts.push(a))
    expect((await mia.policy()).version).toBe(2)
    const grown = (await remembered())!
    expect(grown.size).toBeGreaterThan(seen.size)
    expect(grown.size).toBe((await trailSize()).size)
    expect(alerts).toEqual([])
    // The proof a member asks for: only of their own organisation's log; nonsense sizes are refused.
    expect((await mia.api.authedJson<{ proof: string[] }>('GET', `/v1/policy/consistency?from=${seen.size}&to=${grown.size}`)).proof.length).toBeGreaterThan(0)
    expect(await code(mia.api.authedJson('GET', `/v1/policy/consistency?from=${grown.size + 1}&to=${grown.size + 2}`))).toBe('bad_request')
    expect(await code(mia.api.authedJson('GET', '/v1/policy/consistency?from=0&to=1'))).toBe('bad_request')
  })

  it('a server that rewrote an old entry in its database is caught: the policy is refused, an alert raised, the checkpoint kept', async () => {
    const before = (await remembered())!
    rewriteEntry(1)
    // A server started on the rewritten database, with the same keys: it serves the forged log, signed.
    const store = SqliteStore.open(join(o.env.dataDir, 'candor.db'))
    const server = await createServer({ store, keys: o.env.keys, logLevel: 'silent' })
    forged = { server, store }
    const miaThere = (await CandorClient.open(options(server.url, miaStore)))!
    o.env.clients.push(miaThere)
    const alerts: SecurityAlert[] = []
    miaThere.on('alert', (a) => alerts.push(a))

    // Same size, another root.
    expect(await refusal(miaThere.policy())).toMatchObject({ code: 'policy_invalid', message: expect.stringMatching(/audit trail was rewritten \(two different logs of \d+ entries\)/) })
    expect(alerts).toEqual([{ kind: 'org_audit_fork', org: 'acme', remembered: before, served: { size: before.size, root: expect.not.stringMatching(before.root) } }])
    expect(await remembered()).toEqual(before)
    // Asked again: refused again, the alert raised once.
    expect(await code(miaThere.policy())).toBe('policy_invalid')
    expect(alerts).toHaveLength(1)

    // The forged log grows (the operator's server appends an entry): its consistency proof from what mia saw does not verify.
    await server.context.audit.record('acme' as OrgId, { kind: 'policy', id: 'devices.revokeAfterDaysUnseen' }, 'guest.expire', null, { expiryDays: 1 })
    expect(await refusal(miaThere.policy())).toMatchObject({ code: 'policy_invalid', message: expect.stringMatching(/does not extend the one of \d+ this device saw/) })
    expect(alerts).toHaveLength(2)
    expect(alerts[1]).toMatchObject({ kind: 'org_audit_fork', org: 'acme', remembered: before, served: { size: before.size + 1 } })
    expect(await remembered()).toEqual(before)

    // The honest server still serves the log mia saw: accepted there.
    expect((await mia.policy()).version).toBe(2)
  })
})
