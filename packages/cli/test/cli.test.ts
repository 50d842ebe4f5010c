// Drives the `candor` command as scripts do: two homes (two people) against a server process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CANDOR_BIN, runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-'))
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

describe('candor CLI', () => {
  it('registers two people who message each other', async () => {
    const a = await candor('alice', 'register', 'alice', '--json')
    expect(a.code).toBe(0)
    expect(JSON.parse(a.stdout)).toMatchObject({ userId: 'alice' })
    expect((await candor('bob', 'register', 'bob')).stdout).toMatch(/registered bob/)

    const sent = await candor('alice', 'send', 'bob', 'hello', 'from', 'the', 'terminal')
    expect(sent.code, sent.stderr).toBe(0)
    const read = await candor('bob', 'read', '--json')
    expect(read.code, read.stderr).toBe(0)
    const lines = read.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ from: 'alice', text: 'hello from the terminal' })
    expect(lines[0]).toHaveProperty('conversation')
    expect(lines[0]).toHaveProperty('id')
    expect(typeof lines[0]!.sentAt).toBe('number')

    // Nothing new the second time: read acknowledges and remembers.
    expect((await candor('bob', 'read', '--json')).stdout.trim()).toBe('')

    const conversation = lines[0]!.conversation as string
    const reply = await candor('bob', 'send', conversation, 'hi alice')
    expect(reply.code, reply.stderr).toBe(0)
    expect((await candor('alice', 'read')).stdout).toMatch(/bob: hi alice/)

    const groups = await candor('alice', 'groups', '--json')
    expect(JSON.parse(groups.stdout.trim().split('\n')[0]!)).toMatchObject({ id: conversation, members: ['alice', 'bob'] })
    const who = await candor('alice', 'who', conversation)
    expect(who.stdout).toMatch(/bob/)
    expect(who.stdout).not.toMatch(/NOT VERIFIED/)
    // A new conversation is post-quantum (docs/protocol.md §5.0), and `who` says so.
    expect(who.stdout).toMatch(/encryption: post-quantum \(X-Wing \+ X25519, provisional suite 83\)/)
    const whoJson = await candor('alice', 'who', conversation, '--json')
    expect(JSON.parse(whoJson.stdout.trim())).toMatchObject({ encryption: { suiteId: 83, postQuantum: true, suite: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' } })
    const devices = await candor('alice', 'devices', '--json')
    expect(JSON.parse(devices.stdout.trim())).toMatchObject({ userId: 'alice', status: 'active', current: true })
  })

  it('fails clearly on bad input', async () => {
    const r = await candor('carol', 'register', 'Not A Valid Id')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/bad_request/)
    const unknown = await candor('alice', 'send', 'nobody-here', 'hi')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/unknown_user/)
    expect((await candor('alice', 'frobnicate')).code).toBe(2)
  })
})
