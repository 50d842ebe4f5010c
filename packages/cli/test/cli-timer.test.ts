// `candor timer` as scripts use it: set, show and refuse disappearing timers against a server
// process with its default policy (5 s to a year), and what the other person sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CANDOR_BIN, runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-timer-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor timer', () => {
  it('sets, shows and turns off a timer; refuses what the policy does not allow', async () => {
    await Promise.all([candor('alice', 'register', 'alice'), candor('bob', 'register', 'bob')])
    expect((await candor('alice', 'send', 'bob', 'hi')).code).toBe(0)
    const conversation = (JSON.parse((await candor('bob', 'read', '--json')).stdout.trim()) as { conversation: string }).conversation

    const set = await candor('alice', 'timer', conversation, '1h')
    expect(set.stdout).toBe(`messages in ${conversation} now disappear after 1 hour\n`)
    expect((await candor('alice', 'groups')).stdout).toMatch(/alice, bob · disappears after 1 hour/)

    // Below the server's minimum: refused, and nothing changed.
    const refused = await candor('alice', 'timer', conversation, '3s')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/bad_request.*between 5 s/)

    // Bob's device learnt it end to end, and shows the notice.
    expect((await candor('bob', 'read')).stdout).toMatch(/\* alice set disappearing messages to 1 hour/)
    const shown = await candor('bob', 'timer', conversation, '--json')
    expect(JSON.parse(shown.stdout)).toEqual({ conversation, timerMs: 3_600_000, serverTimerMs: 3_600_000 })

    expect((await candor('bob', 'timer', conversation, 'off')).stdout).toBe(`disappearing messages off in ${conversation}\n`)
    expect((await candor('alice', 'read')).stdout).toMatch(/\* bob turned off disappearing messages/)
  }, 600_000)
})
