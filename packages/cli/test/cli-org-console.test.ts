// What the admin console does, from the CLI, against `candor serve`: `candor org policy <org>
// versions | diff A B` — an owner sets two policy versions; the CLI lists them and shows what
// changed, each version's signature and audit-log proof checked on the device; a member and
// another organisation's owner are refused — and `candor org decline <org> <id>`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ORG_POLICY } from '@candor/protocol'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-polhist-'))
let server: ServerProcess
const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor org policy: versions and diff', () => {
  it('sets up acme (owner olive, member erin) and globex (owner gus)', async () => {
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', token!, '--org', 'ops')).code).toBe(0)
    for (const o of ['acme', 'globex']) expect((await candor('op', 'org', 'create', o, '--name', o, '--signup', 'open')).code).toBe(0)
    expect((await candor('olive', 'register', 'olive', '--org', 'acme')).code).toBe(0)
    expect((await candor('erin', 'register', 'erin', '--org', 'acme')).code).toBe(0)
    expect((await candor('gus', 'register', 'gus', '--org', 'globex')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'acme', 'olive', 'owner')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'globex', 'gus', 'owner')).code).toBe(0)
  })

  it('lists the versions newest first and shows the fields that changed', async () => {
    expect((await candor('olive', 'org', 'policy', 'acme', 'versions')).stdout).toMatch(/acme: no policy set/)
    const file = join(dir, 'p.json')
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, maxPerPerson: 3 } }))
    expect((await candor('olive', 'org', 'policy', 'acme', 'set', file)).code).toBe(0)
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, maxPerPerson: 2 }, approvals: { required: ['devices.suspend'], validHours: 12 } }))
    expect((await candor('olive', 'org', 'policy', 'acme', 'set', file)).code).toBe(0)
    const list = await candor('olive', 'org', 'policy', 'acme', 'versions')
    expect(list.stdout.trim().split('\n').map((l) => l.split('  ')[0])).toEqual(['2', '1'])
    expect(list.stdout).toMatch(/by olive/)
    const diff = await candor('olive', 'org', 'policy', 'acme', 'diff', '1', '2')
    expect(diff.code).toBe(0)
    expect(diff.stdout).toMatch(/version 1 → 2 \(both signed and in the audit log\): 3 change\(s\)/)
    expect(diff.stdout).toContain('devices.maxPerPerson: 3 → 2')
    expect(diff.stdout).toContain('approvals.required: [] → ["devices.suspend"]')
    expect(diff.stdout).toContain('approvals.validHours: 24 → 12')
    const fromDefaults = await candor('olive', '--json', 'org', 'policy', 'acme', 'diff', '0', '1')
    expect(JSON.parse(fromDefaults.stdout)).toEqual({ org: 'acme', from: 0, to: 1, changes: [{ path: 'devices.maxPerPerson', before: DEFAULT_ORG_POLICY.devices.maxPerPerson, after: 3 }] })
  })

  it('refuses a version that does not exist, a member, and another organisation’s owner', async () => {
    const missing = await candor('olive', 'org', 'policy', 'acme', 'diff', '1', '7')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/not_found.*no policy version 7/)
    const member = await candor('erin', 'org', 'policy', 'acme', 'versions')
    expect(member.code).toBe(1)
    expect(member.stderr).toMatch(/forbidden/)
    const other = await candor('gus', 'org', 'policy', 'acme', 'diff', '1', '2')
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/not_found.*no such organisation/)
  })

  it('candor org decline: a request withdrawn by its requester is gone', async () => {
    const asked = await candor('olive', 'org', 'request', 'acme', 'users.read', 'erin', '--why', 'support_request', '--case', 'C-9')
    const id = /requested: (\S+)/.exec(asked.stdout)?.[1] ?? ''
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await candor('gus', 'org', 'decline', 'acme', id)).stderr).toMatch(/not_found/)
    const declined = await candor('olive', 'org', 'decline', 'acme', id)
    expect(declined.stdout).toMatch(new RegExp(`declined: ${id} users\\.read user:erin asked by olive`))
    expect((await candor('olive', 'org', 'approvals', 'acme')).stdout).toMatch(/\(no open requests\)/)
    expect((await candor('olive', 'org', 'decline', 'acme', id)).stderr).toMatch(/conflict/)
  })
})
