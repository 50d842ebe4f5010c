// `candor deny` and the witness flow with `candor serve --witness`, as a person and an operator
// run them: real `candor` processes against a real server process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-deny-'))
const data = join(dir, 'data')
let server: ServerProcess

async function candor(home: string, ...args: string[]) {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}

const jsonLines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)

/** Who signed the directory's latest checkpoint: the names on its signature lines ("— name sig"). */
async function checkpointSigners(): Promise<string[]> {
  const { checkpoint } = (await (await fetch(`${server.url}/v1/directory`)).json()) as { checkpoint: string }
  return checkpoint
    .split('\n')
    .filter((l) => l.startsWith('\u2014 '))
    .map((l) => l.split(' ')[1]!)
}

beforeAll(async () => {
  server = await startServerProcess(data)
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor deny', () => {
  it('turns down a device asking to join: the request is gone and the device cannot sign in', async () => {
    expect((await candor('alice', 'register', 'alice')).code).toBe(0)
    const enrol = await candor('stranger', 'enrol', 'alice', '--name', 'IT support laptop', '--json')
    expect(enrol.code, enrol.stderr).toBe(0)
    const { deviceId } = jsonLines(enrol.stdout)[0] as { deviceId: string }

    const before = await candor('alice', 'devices')
    expect(before.stdout).toMatch(new RegExp(`${deviceId}\\s+pending\\s+IT support laptop`))
    expect(before.stdout).toMatch(/candor deny <deviceId>/)

    const denied = await candor('alice', 'deny', deviceId)
    expect(denied.code, denied.stderr).toBe(0)
    expect(denied.stdout).toMatch(`denied ${deviceId}`)
    expect((await candor('alice', 'devices', '--json')).stdout).not.toContain(deviceId)

    const after = await candor('stranger', 'devices')
    expect(after.code).toBe(1)
    expect(after.stderr).toMatch(/unknown_device.*enrol again/)
    const again = await candor('alice', 'deny', deviceId)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/not_found/)
  })
})

describe('candor serve --witness', () => {
  it('takes cosignatures only from the witnesses its operator names, by flag or CANDOR_WITNESSES', async () => {
    // The witness prints its key first; a server that does not name it refuses its cosignature.
    const refused = await candor('witness', 'witness', '--name', 'witness.ops', '--once', '--json')
    expect(refused.code).toBe(1)
    const vkey = jsonLines(refused.stdout)[0]!.verifierKey as string
    expect(vkey).toMatch(/^witness\.ops\+[0-9a-f]{8}\+/)
    expect(refused.stderr).toMatch(/not a witness this server accepts.*--witness/)
    expect(await checkpointSigners()).toEqual(['candor/directory'])

    await server.kill()
    server = await startServerProcess(data, 0, { args: ['--witness', vkey] })
    expect(server.output()).toMatch(/accepting directory cosignatures from 1 witness/)
    const cosigned = await candor('witness', 'witness', '--name', 'witness.ops', '--once', '--json')
    expect(cosigned.code, cosigned.stderr).toBe(0)
    expect(jsonLines(cosigned.stdout)[1]).toMatchObject({ cosigned: true })
    expect(await checkpointSigners()).toEqual(['candor/directory', 'witness.ops'])

    // Kept in the database; named in the environment this time. A garbled key stops the server.
    await server.kill()
    server = await startServerProcess(data, 0, { env: { ...process.env, CANDOR_WITNESSES: ` ${vkey} ,` } })
    expect(await checkpointSigners()).toEqual(['candor/directory', 'witness.ops'])
    await server.kill()
    await expect(startServerProcess(data, 0, { args: ['--witness', 'witness.ops+0000'] })).rejects.toThrow(/not a witness verifier key/)
    server = await startServerProcess(data)
    // Not named any more: not served any more.
    expect(await checkpointSigners()).toEqual(['candor/directory'])
  })
})
