// `candor org scim-token`: the operator (owner of `default`) makes a SCIM token, which an
// identity provider then uses at /scim/v2; lists tokens without secrets; revokes one, which stops
// working at once. A person without a role is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-scim-'))
let server: ServerProcess
const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])
const users = (token: string) => fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor org scim-token', () => {
  let token: string
  let id: string

  it('the owner makes a token, shown once, that works at /scim/v2', async () => {
    const enrol = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', enrol!, '--org', 'ops')).code).toBe(0)
    const made = await candor('op', 'org', 'scim-token', 'default')
    expect(made.code, made.stderr).toBe(0)
    const m = /SCIM token (\S+) of default .*\n(scim_\S+)/.exec(made.stdout)
    expect(m).not.toBeNull()
    ;[, id, token] = m as unknown as [string, string, string]
    expect((await users(token)).status).toBe(200)
  })

  it('lists tokens without their secrets, and revokes one', async () => {
    const list = await candor('op', 'org', 'scim-token', 'default', 'list')
    expect(list.stdout).toMatch(new RegExp(`^${id}  created .* by op\\n$`))
    expect(list.stdout).not.toContain(token)
    expect((await candor('op', 'org', 'scim-token', 'default', 'revoke', id)).stdout).toMatch(new RegExp(`revoked ${id} .* revoked `))
    expect((await users(token)).status).toBe(401)
  })

  it('a person without a role is refused', async () => {
    expect((await candor('pat', 'register', 'pat')).code).toBe(0)
    const r = await candor('pat', 'org', 'scim-token', 'default')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/forbidden/)
  })
})
