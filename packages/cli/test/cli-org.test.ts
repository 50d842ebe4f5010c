// `candor org …` and `candor register --org` against `candor serve`, as an operator and the
// people of an organisation would use them; `--no-open-signup` and `--open-signup` at start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-org-'))
const data = join(dir, 'data')
let server: ServerProcess

const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

beforeAll(async () => {
  server = await startServerProcess(data)
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

// Each `candor` process takes seconds on a loaded machine: the steps are split so each has its own timeout.
describe('candor org', () => {
  it('the operator creates an organisation and verifies its domain; its people sign up only through it', async () => {
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    expect(token).toMatch(/^adm-/)
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', token!, '--org', 'ops')).code).toBe(0)
    expect((await candor('op', 'org', 'create', 'acme', '--name', 'Acme Ltd', '--signup', 'open')).stdout).toMatch(/created acme: Acme Ltd; sign-up open; domains: \(none\)/)
    expect((await candor('op', 'org', 'domains', 'acme', 'add', 'acme.example')).stdout).toMatch(/domains: acme\.example/)

    const viaDefault = await candor('alice', 'register', 'alice@acme.example')
    expect(viaDefault.code).toBe(1)
    expect(viaDefault.stderr).toMatch(/forbidden.*acme\.example is a verified domain of another organisation/)
    expect((await candor('alice', 'register', 'alice@acme.example', '--org', 'acme')).code).toBe(0)
  })

  it('safety shows the contact’s organisation, proven by the directory', async () => {
    expect((await candor('op', 'safety', 'alice@acme.example')).stdout).toMatch(/alice@acme\.example: organisation acme, proven by the key directory/)
  })

  it('roles are granted within the organisation, and reach nothing outside it', async () => {
    expect((await candor('bob', 'register', 'bob@acme.example', '--org', 'acme')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'acme', 'alice@acme.example', 'admin')).stdout).toMatch(/alice@acme\.example is now admin of acme/)
    expect((await candor('alice', 'org', 'grant', 'acme', 'bob@acme.example', 'support')).code).toBe(0)
    expect((await candor('alice', 'org', 'people', 'acme')).stdout).toBe('alice@acme.example  admin\nbob@acme.example  support\n')
    const other = await candor('alice', 'org', 'people', 'default')
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/not_found/)
  })

  it('a role taken away is logged to its holder', async () => {
    const revoked = await candor('alice', 'org', 'revoke', 'bob@acme.example', '--why', 'security_investigation', '--case', 'C-1')
    expect(revoked.stdout).toMatch(/bob@acme\.example is no longer support of acme/)
    expect((await candor('bob', 'receipts')).stdout).toMatch(/admin p-\S+ \(acme\)/)
  })

  it('closing default’s sign-up refuses newcomers', async () => {
    expect((await candor('op', 'org', 'signup', 'default', 'closed')).stdout).toMatch(/default: Default; sign-up closed/)
    const refused = await candor('carol', 'register', 'carol')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/forbidden.*sign-up to the organisation default is closed/)
  })

  it('`serve --open-signup` opens it again, `--no-open-signup` closes it', async () => {
    await server.kill()
    server = await startServerProcess(data, 0, { args: ['--open-signup'] })
    expect((await candor('carol', 'register', 'carol')).code).toBe(0)
    await server.kill()
    server = await startServerProcess(data, 0, { args: ['--no-open-signup'] })
    expect((await candor('dave', 'register', 'dave')).stderr).toMatch(/sign-up to the organisation default is closed/)
  })
})
