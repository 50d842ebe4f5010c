// Recovery and history from the command line, against a server process (docs/protocol.md §4.2):
// a person sets up recovery and backs up; wipes their only home; recovers on a fresh one with the
// secret, the history back and marked transferred, the old device revoked; a contact sees the
// new device (another safety number). Slow on a loaded machine: each step is a process. A second device approved with --history receives the history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { CANDOR_BIN, runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-recovery-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}
/** As candor(), with a longer limit: approving waits for the new device's key packages, then seals and uploads. */
function slowCandor(home: string, ...args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CANDOR_BIN, '--server', server.url, '--home', join(dir, home), ...args], { timeout: 150_000 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 })
    })
  })
}
const json = (s: string) => s.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor recovery', () => {
  it('backs up, wipes the home, recovers with the secret: history back, old device revoked, the contact sees the change', async () => {
    expect((await candor('alice', 'register', 'alice')).code).toBe(0)
    expect((await candor('bob', 'register', 'bob')).code).toBe(0)
    expect((await candor('alice', 'send', 'bob', 'written before the wipe')).code).toBe(0)
    const oldDevice = json((await candor('alice', 'devices', '--json')).stdout)[0]!.deviceId as string

    const setup = await candor('alice', 'recovery', 'setup')
    expect(setup.code, setup.stderr).toBe(0)
    const secret = /^ {4}([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})$/m.exec(setup.stdout)?.[1]
    expect(secret, setup.stdout).toBeDefined()
    const safetyBefore = (await candor('bob', 'safety', 'alice')).stdout
    const backup = await candor('alice', 'recovery', 'backup', '--json')
    expect(backup.code, backup.stderr).toBe(0)
    expect(json(backup.stdout)[0]).toMatchObject({ messages: 1 })

    rmSync(join(dir, 'alice'), { recursive: true, force: true })

    const wrong = await candor('alice2', 'recover', 'alice', '--secret', 'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA')
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/recovery secret/)
    const back = await candor('alice2', 'recover', 'alice', '--secret', secret!.toLowerCase(), '--revoke-others', '--json')
    expect(back.code, back.stderr).toBe(0)
    const result = json(back.stdout)[0]!
    expect(result).toMatchObject({ userId: 'alice', restored: { messages: 1 }, revoked: [oldDevice], joined: { joined: [expect.any(String)], failed: [] } })

    const read = json((await candor('alice2', 'read', '--json')).stdout)
    expect(read[0]).toEqual(expect.objectContaining({ from: 'alice', text: 'written before the wipe', transferred: true }))
    // The old conversation goes on with the new device, in the revoked one's place (protocol §5.2).
    expect((await candor('bob', 'send', 'alice', 'welcome back')).code).toBe(0)
    const later = json((await candor('alice2', 'read', '--json')).stdout)
    expect(later.find((m) => m.text === 'welcome back')).toMatchObject({ from: 'bob' })
    const devices = json((await candor('alice2', 'devices', '--json')).stdout)
    expect(devices.find((d) => d.deviceId === oldDevice)).toMatchObject({ status: 'revoked' })
    expect(devices.find((d) => d.current === true)).toMatchObject({ deviceId: result.deviceId, status: 'active' })
    // The contact sees the key change: another safety number.
    const safetyAfter = await candor('bob', 'safety', 'alice')
    expect(safetyAfter.code, safetyAfter.stderr).toBe(0)
    expect(safetyAfter.stdout).not.toBe(safetyBefore)
  }, 420_000)

  it('approves a second device with its history', async () => {
    expect((await candor('carol', 'register', 'carol')).code).toBe(0)
    expect((await candor('dave', 'register', 'dave')).code).toBe(0)
    expect((await candor('carol', 'send', 'dave', 'carol to dave, early')).code).toBe(0)
    // The new device waits for approval (and then publishes its key packages, so it can be added).
    const enrolling = slowCandor('carol-laptop', 'enrol', 'carol', '--wait', '--json')
    let laptop: string | undefined
    for (let i = 0; i < 100 && !laptop; i++) {
      laptop = json((await candor('carol', 'devices', '--json')).stdout).find((d) => d.status === 'pending')?.deviceId as string | undefined
      if (!laptop) await new Promise((r) => setTimeout(r, 200))
    }
    expect(laptop).toBeDefined()
    expect((await candor('carol', 'approve', laptop!, '--history', 'bogus')).stderr).toMatch(/--history/)
    const approved = await slowCandor('carol', 'approve', laptop!, '--history', 'all', '--json')
    expect(approved.code, approved.stderr).toBe(0)
    expect(json(approved.stdout)[0]).toMatchObject({ approved: laptop, transferred: 1 })
    expect((await enrolling).code).toBe(0)
    const got = await candor('carol-laptop', 'history', '--json')
    expect(got.code, got.stderr).toBe(0)
    expect(json(got.stdout)[0]).toMatchObject({ archives: 1, messages: 1 })
    expect((await candor('carol-laptop', 'read')).stdout).toMatch(/carol: carol to dave, early \(transferred\)/)
  }, 600_000)
})
