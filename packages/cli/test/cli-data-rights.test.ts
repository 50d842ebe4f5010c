// `candor data-rights` against `candor serve` (real processes): acme's policy puts export and
// erasure under an admin's approval. Mia sees that, asks for an export and sees it pending; max
// (another person) and olive (acme's owner) cannot withdraw it — "not found", nothing changed —;
// mia withdraws it, and withdrawing it again is refused.
// (Steps split into tests: each CLI call is a process, slow on a loaded machine.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ORG_POLICY } from '@candor/protocol'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-data-rights-'))
let server: ServerProcess
const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])
/** Runs a command that must succeed (its stderr shown when it does not). */
async function ok(home: string, ...args: string[]) {
  const r = await candor(home, ...args)
  expect(r.code, `candor ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor data-rights', () => {
  let id: string | undefined
  let pendingLine: string | undefined

  it('sets up acme', async () => {
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    await ok('op', 'register', 'op')
    await ok('op', 'admin', 'enrol', token!, '--org', 'ops')
    await ok('op', 'org', 'create', 'acme', '--name', 'Acme', '--signup', 'open')
    await ok('op', 'org', 'domains', 'acme', 'add', 'acme.example')
  })

  it('registers olive (acme’s owner), mia and max; acme’s policy puts export and erasure under approval', async () => {
    for (const u of ['olive', 'mia', 'max']) await ok(u, 'register', `${u}@acme.example`, '--org', 'acme')
    await ok('op', 'org', 'grant', 'acme', 'olive@acme.example', 'owner')
    const file = join(dir, 'policy.json')
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, dataRights: { export: 'approval', deletion: 'approval' } }))
    await ok('olive', 'org', 'policy', 'acme', 'set', file)
  })

  it('mia is told both wait for an approval, asks for an export and sees it pending', async () => {
    expect((await ok('mia', 'data-rights')).stdout).toMatch(/export\s+under an admin's approval: not requested\ndeletion\s+under an admin's approval: not requested/)
    const asked = (await ok('mia', 'data-rights', 'request', 'export')).stdout
    id = /request (\S+) pending/.exec(asked)?.[1]
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    pendingLine = (await ok('mia', 'data-rights')).stdout
    expect(pendingLine).toContain(`export    under an admin's approval: request ${id} pending`)
  })

  it('another person and acme’s owner: "not found", nothing changed', async () => {
    for (const other of ['max', 'olive']) {
      const r = await candor(other, 'data-rights', 'withdraw', id!)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`not found: you have no data-rights request ${id}; nothing changed`)
    }
    expect((await ok('mia', 'data-rights')).stdout).toBe(pendingLine)
    expect((await ok('olive', 'org', 'approvals', 'acme')).stdout).toContain(id!)
  })

  it('mia withdraws it: no longer requested, gone from the approvals; a second withdrawal is refused', async () => {
    expect((await ok('mia', 'data-rights', 'withdraw', id!)).stdout).toBe(`withdrawn: your export request ${id}; nothing will be done with it\n`)
    const listed = (await ok('mia', 'data-rights')).stdout
    expect(listed).toMatch(/export\s+under an admin's approval: not requested/)
    expect(listed).toMatch(new RegExp(`request ${id}  export  withdrawn  \\(asked .* UTC, ended .* UTC\\)`))
    expect((await ok('olive', 'org', 'approvals', 'acme')).stdout).not.toContain(id!)
    const again = await candor('mia', 'data-rights', 'withdraw', id!)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/not withdrawn: this request is no longer pending \(withdrawn\); nothing changed/)
  })
})
