// The erasure notice to the compliance archive (docs/protocol.md §11.12), through a real server and
// real SDK clients: erasing a person of an organisation whose policy names an archive first writes
// a signed notice to its audit trail (`account.erase`); if that cannot be written, nothing is
// erased — the account, its devices and its session stay, and no deletion receipt is logged. The
// notices are read, with proofs the archive checks, by the organisation's archive, officers and
// auditors — not by a plain member, another organisation's archive or officer. An organisation
// without an archive gets no notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_ORG_POLICY, toBase64Url, type OrgPolicy, type UserId } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient, oscar: CandorClient, bob: CandorClient, carol: CandorClient, arc: CandorClient
let gina: CandorClient, gus: CandorClient, garc: CandorClient, dan: CandorClient
const policy = (account: string): OrgPolicy => ({ ...DEFAULT_ORG_POLICY, archive: { required: 'all', account, archiveKey: toBase64Url(new Uint8Array(32).fill(7)) } }) as unknown as OrgPolicy
/** SQL run by someone with the server's database file (here: to make its audit trail refuse writes). */
function insider(sql: string): void {
  const db = new Database(join(o.env.dataDir, 'candor.db'), { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    db.exec(sql)
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  o = await startOrgEnv()
  ;[olive, oscar, bob, carol, arc] = await Promise.all(['olive', 'oscar', 'bob', 'carol', 'archive'].map((n) => o.person(`${n}@acme.example`, 'acme'))) as [CandorClient, CandorClient, CandorClient, CandorClient, CandorClient]
  ;[gina, gus, garc, dan] = await Promise.all(['gina', 'gus', 'archive', 'dan'].map((n) => o.person(`${n}@globex.example`, 'globex'))) as [CandorClient, CandorClient, CandorClient, CandorClient]
  await o.root.admin.grant('olive@acme.example', 'owner')
  await o.root.admin.grant('oscar@acme.example', 'compliance_officer')
  await o.root.admin.grant('gina@globex.example', 'owner')
  await o.root.admin.grant('gus@globex.example', 'compliance_officer')
  await olive.admin.setPolicy('acme', policy('archive@acme.example'))
}, 60_000)
afterAll(async () => o.close())

describe('the erasure notice to the archive', () => {
  it('a person of an organisation without an archive: no notice, no archive line in the receipt', async () => {
    const receipt = await dan.deleteAccount()
    expect(receipt.text).not.toMatch(/archive-erases/)
    expect((await gus.compliance.erasures('globex', 0)).accepted).toEqual([])
  })

  it('write-ahead: when the notice cannot be written, nothing is erased and no receipt is logged', async () => {
    const size = o.env.server.context.access.log.size
    insider(`CREATE TRIGGER audit_refuses BEFORE INSERT ON org_audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
    try {
      expect(await code(carol.deleteAccount())).toBe('access_log_unavailable')
    } finally {
      insider('DROP TRIGGER audit_refuses')
    }
    expect(await o.env.store.userExists('carol@acme.example' as UserId)).toBe(true)
    expect((await o.env.store.listDevices('carol@acme.example' as UserId)).map((d) => d.status)).toEqual(['active'])
    expect(o.env.server.context.access.log.size).toBe(size)
    expect((await arc.compliance.erasures('acme', 0)).accepted).toEqual([])
    // Her session still works: she can still see her holds.
    expect((await carol.compliance.myHolds()).holds).toEqual([])
  })

  it('once it can be written: the notice first, then the erasure; the receipt names its audit index', async () => {
    const receipt = await carol.deleteAccount()
    const index = Number(/\narchive-erases org acme records-sent-by carol@acme\.example except-held audit (\d+)\n/.exec(receipt.text)?.[1])
    expect(await o.env.store.userExists('carol@acme.example' as UserId)).toBe(false)
    const page = await arc.compliance.erasures('acme', 0)
    expect(page).toMatchObject({ accepted: [{ person: 'carol@acme.example', audit: index }], refused: [], end: true })
    // From past it, nothing new.
    expect((await arc.compliance.erasures('acme', page.next)).accepted).toEqual([])
  })

  it('its officers and auditors read the notices too; a plain member, another organisation’s archive and officer do not', async () => {
    expect((await oscar.compliance.erasures('acme', 0)).accepted.map((a) => a.person)).toEqual(['carol@acme.example'])
    expect((await olive.compliance.erasures('acme', 0)).accepted.map((a) => a.person)).toEqual(['carol@acme.example'])
    expect(await code(bob.compliance.erasures('acme', 0))).toBe('forbidden')
    await gina.admin.setPolicy('globex', policy('archive@globex.example'))
    expect((await garc.compliance.erasures('globex', 0)).accepted).toEqual([])
    expect(await code(garc.compliance.erasures('acme', 0))).toBe('forbidden')
    expect(await code(gus.compliance.erasures('acme', 0))).toBe('not_found')
    expect(await code(gina.compliance.erasures('acme', 0))).toBe('not_found')
  })
})
