// `candor org link-conversation | unlink-conversation | links` (docs/protocol.md §5.9) against
// `candor serve`: the operator (owner of `default`) links a conversation she is in to a SCIM group
// of `default`, lists it, unlinks it; a person without the permission is refused, and so is a
// link of a conversation the operator is not in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-links-'))
let server: ServerProcess
const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])
const ok = async (home: string, ...args: string[]) => {
  const r = await candor(home, ...args)
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor org link-conversation', () => {
  let conversation: string
  let theirs: string
  let group: string

  it('sets up: the operator, a SCIM group of default, a conversation with pat and one she is not in', async () => {
    const enrol = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    await ok('op', 'register', 'op')
    await ok('op', 'admin', 'enrol', enrol!, '--org', 'ops')
    await ok('pat', 'register', 'pat')
    await ok('sam', 'register', 'sam')
    const token = /\n(scim_\S+)/.exec((await ok('op', 'org', 'scim-token', 'default')).stdout)![1]!
    const r = await fetch(`${server.url}/scim/v2/Groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Operations', members: [] }),
    })
    expect(r.status).toBe(201)
    group = ((await r.json()) as { id: string }).id
    conversation = (await ok('op', 'create', 'pat')).stdout.trim()
    theirs = (await ok('pat', 'create', 'sam')).stdout.trim()
  })

  it('links it, lists it, unlinks it', async () => {
    expect((await ok('op', 'org', 'link-conversation', 'default', conversation, group)).stdout).toContain(`${conversation} follows the SCIM group ${group} (Operations)`)
    expect((await ok('op', 'org', 'links', 'default')).stdout).toMatch(new RegExp(`^${conversation}  ${group} \\(Operations\\)  linked by op `))
    expect((await ok('op', 'org', 'unlink-conversation', 'default', conversation)).stdout).toContain('no longer follows')
    expect((await ok('op', 'org', 'links', 'default')).stdout).toBe('(no linked conversations)\n')
  })

  it('refuses a person without the permission, a conversation the operator is not in, a group id that is not one', async () => {
    const pat = await candor('pat', 'org', 'link-conversation', 'default', conversation, group)
    expect(pat.code).toBe(1)
    expect(pat.stderr).toMatch(/forbidden/)
    const notIn = await candor('op', 'org', 'link-conversation', 'default', theirs, group)
    expect(notIn.code).toBe(1)
    expect(notIn.stderr).toMatch(/no such conversation/)
    const bad = await candor('op', 'org', 'link-conversation', 'default', conversation, 'nope')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/scimGroupId/)
    expect((await ok('op', 'org', 'links', 'default')).stdout).toBe('(no linked conversations)\n')
  })
})
