// The command line says so when the server ends the device's session: a chat open on a device
// revoked from another one prints why and exits; the device's next command says the same.
// And `candor serve` serves /metrics only on the listener --metrics-port asks for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CANDOR_BIN, runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-ended-'))
let server: ServerProcess

const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'), 0, { args: ['--metrics-port', '0'] })
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor and an ended session', () => {
  it('a chat on a revoked device prints that it was removed and exits; so does its next command', async () => {
    expect((await candor('alice', 'register', 'alice')).code).toBe(0)
    expect((await candor('bob', 'register', 'bob')).code).toBe(0)
    expect((await candor('alice', 'send', 'bob', 'hi')).code).toBe(0)

    const enrolling = candor('laptop', 'enrol', 'alice', '--name', 'laptop', '--wait', '--json')
    let laptopId: string | undefined
    for (let i = 0; i < 100 && !laptopId; i++) {
      const pending = await candor('alice', 'devices', '--json')
      laptopId = pending.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { deviceId: string; status: string })
        .find((d) => d.status === 'pending')?.deviceId
      if (!laptopId) await new Promise((r) => setTimeout(r, 200))
    }
    expect(laptopId).toBeDefined()
    // Failed once in a full run under load (exit 1, cause not seen): its stderr is the message now.
    const approved = await candor('alice', 'approve', laptopId!)
    expect(approved.code, approved.stderr).toBe(0)
    const enrolled = await enrolling
    expect(enrolled.code, enrolled.stderr).toBe(0)

    const chat = spawn(process.execPath, [CANDOR_BIN, '--server', server.url, '--home', join(dir, 'laptop'), 'chat', 'bob'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    chat.stdout.on('data', (d: Buffer) => (out += d.toString()))
    chat.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number>((resolve) => chat.once('exit', (code) => resolve(code ?? -1)))
    // A process start and a connection: bounded by time, generous for a loaded machine.
    const chattingBy = Date.now() + 120_000
    while (!out.includes('chatting in') && chat.exitCode === null && Date.now() < chattingBy) await new Promise((r) => setTimeout(r, 100))
    expect(out, err).toContain('chatting in')

    expect((await candor('alice', 'revoke', laptopId!)).code).toBe(0)
    expect(await exited).toBe(1)
    expect(err).toContain('This device was removed from your account.')

    const next = await candor('laptop', 'read')
    expect(next.code).not.toBe(0)
    expect(next.stderr).toContain('This device was removed from your account.')
  })

  it('serves /metrics on the metrics listener only', async () => {
    const m = /Metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())
    expect(m, server.output()).not.toBeNull()
    expect((await fetch(m![1]!)).status).toBe(200)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
  })
})
