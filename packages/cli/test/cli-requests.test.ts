// `candor requests|accept|decline|block|unblock|blocks` against `candor serve`: a person of
// another organisation writes first, and the message waits until the recipient accepts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-requests-'))
let server: ServerProcess

const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

// Each `candor` process takes seconds on a loaded machine: the steps are split so each has its own timeout.
describe('candor requests', () => {
  it('sets up a stranger: a person of another organisation', async () => {
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', token!, '--org', 'ops')).code).toBe(0)
    expect((await candor('op', 'org', 'create', 'acme', '--name', 'Acme Ltd', '--signup', 'open')).code).toBe(0)
    expect((await candor('alice', 'register', 'alice', '--org', 'acme')).code).toBe(0)
    expect((await candor('carol', 'register', 'carol', '--org', 'acme')).code).toBe(0)
    expect((await candor('bob', 'register', 'bob')).code).toBe(0)
  }, 600_000)

  it('a first message waits as a request; accepting delivers it', async () => {
    expect((await candor('alice', 'send', 'bob', 'hello bob')).code).toBe(0)
    expect((await candor('bob', 'read')).stdout).not.toMatch(/hello bob/)
    const listed = await candor('bob', 'requests')
    expect(listed.stdout).toMatch(/^\S{22} {2}from alice {2}2 messages waiting/)
    const id = JSON.parse((await candor('bob', 'requests', '--json')).stdout.trim()).requestId as string
    // Someone else cannot accept it.
    const notTheirs = await candor('carol', 'accept', id)
    expect(notTheirs.code).toBe(1)
    expect(notTheirs.stderr).toMatch(/not_found/)
    expect((await candor('bob', 'accept', id)).stdout).toMatch(new RegExp(`accepted ${id}: 2 held deliveries`))
    expect((await candor('bob', 'read')).stdout).toMatch(/alice: hello bob/)
    expect((await candor('bob', 'requests')).stdout).toBe('no pending contact requests\n')
  }, 600_000)

  it('declines silently, blocks and unblocks', async () => {
    expect((await candor('carol', 'send', 'bob', 'buy my thing')).code).toBe(0)
    const id = JSON.parse((await candor('bob', 'requests', '--json')).stdout.trim()).requestId as string
    expect((await candor('bob', 'decline', id)).stdout).toMatch(/declined .*the sender is not told/)
    expect((await candor('carol', 'send', 'bob', 'hello?')).code).toBe(0)
    expect((await candor('bob', 'read')).stdout).not.toMatch(/hello\?|buy my thing/)
    expect((await candor('bob', 'block', 'carol')).stdout).toMatch(/blocked carol/)
    expect((await candor('bob', 'blocks')).stdout).toMatch(/^carol {2}since /)
    expect((await candor('bob', 'unblock', 'carol')).stdout).toBe('unblocked carol\n')
    expect((await candor('bob', 'blocks')).stdout).toBe('you block nobody\n')
  }, 600_000)
})
