// `candor invite`, `invites`, `invite-revoke` and `join` against a server process (docs/protocol.md
// §5.8): a link made on one device starts a conversation on another; used up, it is refused
// with the reason; a revoked one too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-invites-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]) {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor invite / join', () => {
  it('a link starts a conversation; a used-up or revoked link is refused with the reason', async () => {
    await Promise.all(['alice', 'bob', 'carol'].map((u) => candor(u, 'register', u)))
    const made = await candor('alice', 'invite', '--uses', '1', '--days', '2')
    expect(made.code, made.stderr).toBe(0)
    const link = made.stdout.split('\n')[0]!
    expect(link).toMatch(/#\/invite\/[A-Za-z0-9_-]{43}$/)
    expect(made.stdout).toMatch(/good for 1 use until/)

    const joined = await candor('bob', 'join', link)
    expect(joined.code, joined.stderr).toBe(0)
    expect(joined.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{16,}$/)
    expect((await candor('bob', 'groups')).stdout).toContain(joined.stdout.trim().slice(0, 8))

    const late = await candor('carol', 'join', link)
    expect(late.code).not.toBe(0)
    expect(late.stderr).toMatch(/used as often as its creator allowed/)

    const listed = (await candor('alice', 'invites', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { inviteId: string; uses: number })
    expect(listed).toEqual([expect.objectContaining({ uses: 1 })])

    const second = (await candor('alice', 'invite', '--uses', '3', '--json')).stdout
    const { link: link2, inviteId } = JSON.parse(second) as { link: string; inviteId: string }
    expect((await candor('alice', 'invite-revoke', inviteId)).code).toBe(0)
    const refused = await candor('carol', 'join', link2)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/revoked/)
    const bad = await candor('carol', 'join', 'not-a-link')
    expect(bad.stderr).toMatch(/not an invite link/)
  }, 600_000)
})
