// `candor org audit|policy|request|approvals|approve` and `candor policy` against `candor serve`:
// an owner sets a policy that puts reads under two-person control, a support admin's read is
// refused until another admin approves it, the auditor exports the trail as JSON Lines (proofs
// checked by the CLI), and a member sees which policy applies, checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ORG_POLICY } from '@candor/protocol'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-gov-'))
let server: ServerProcess
const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor org: governance', () => {
  let requestId = ''

  it('sets up acme: an owner, a support admin, an auditor and a member', async () => {
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', token!, '--org', 'ops')).code).toBe(0)
    expect((await candor('op', 'org', 'create', 'acme', '--name', 'Acme', '--signup', 'open')).code).toBe(0)
    expect((await candor('op', 'org', 'domains', 'acme', 'add', 'acme.example')).code).toBe(0)
    for (const u of ['olive', 'sam', 'aude', 'erin']) expect((await candor(u, 'register', `${u}@acme.example`, '--org', 'acme')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'acme', 'olive@acme.example', 'owner')).code).toBe(0)
    expect((await candor('olive', 'org', 'grant', 'acme', 'sam@acme.example', 'support')).code).toBe(0)
    expect((await candor('olive', 'org', 'grant', 'acme', 'aude@acme.example', 'auditor')).code).toBe(0)
  })

  it('the owner sets a policy; a member sees which applies, checked', async () => {
    const file = join(dir, 'policy.json')
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, approvals: { required: ['users.read'], validHours: 24 } }))
    expect((await candor('olive', 'org', 'policy', 'acme', 'set', file)).stdout).toMatch(/acme: policy version 1 applies since /)
    const mine = await candor('erin', 'policy')
    expect(mine.stdout).toMatch(/acme: policy version 1, applies since .* \(signed; in the audit log at \d+\)/)
    expect(mine.stdout).toMatch(/"users\.read"/)
  })

  it('a read needs a second admin’s approval; it runs once approved', async () => {
    const refused = await candor('sam', 'admin', 'user', 'erin@acme.example', '--why', 'support_request', '--case', 'C-1')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/forbidden.*approval/)
    const asked = await candor('sam', 'org', 'request', 'acme', 'users.read', 'erin@acme.example', '--why', 'support_request', '--case', 'C-1')
    requestId = /requested: (\S+)/.exec(asked.stdout)?.[1] ?? ''
    expect(requestId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await candor('olive', 'org', 'approvals', 'acme')).stdout).toMatch(new RegExp(`${requestId}  pending  users\\.read user:erin@acme\\.example  asked by sam@acme\\.example`))
    expect((await candor('sam', 'org', 'approve', 'acme', requestId)).stderr).toMatch(/forbidden.*another admin/)
    expect((await candor('olive', 'org', 'approve', 'acme', requestId)).stdout).toMatch(/approved: .* approved by olive@acme\.example/)
    const ran = await candor('sam', 'admin', 'user', 'erin@acme.example', '--why', 'support_request', '--case', 'C-1', '--approval', requestId)
    expect(ran.code).toBe(0)
  })

  it('the auditor exports the trail as JSON Lines, proofs checked', async () => {
    const out = await candor('aude', 'org', 'audit', 'acme', '--jsonl')
    expect(out.code).toBe(0)
    expect(out.stderr).toMatch(/verified \d+ entries of acme's audit trail against its signed checkpoint/)
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: number; entry: { action: string; actor: { id: string } } })
    expect(lines.map((l) => l.index)).toEqual(lines.map((_, i) => i))
    expect(lines.map((l) => [l.entry.action, l.entry.actor.id])).toEqual([
      ['org.create', 'op'],
      ['domain.add', 'op'],
      ['role.grant', 'op'],
      ['role.grant', 'olive@acme.example'],
      ['role.grant', 'olive@acme.example'],
      ['policy.set', 'olive@acme.example'],
      ['approval.request', 'sam@acme.example'],
      ['approval.approve', 'olive@acme.example'],
      ['user.read', 'sam@acme.example'],
    ])
    // Support may not read the trail.
    expect((await candor('sam', 'org', 'audit', 'acme')).stderr).toMatch(/forbidden/)
  })
})
