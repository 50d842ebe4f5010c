// `candor org held-devices|approve-device|decline-device` against `candor serve`: acme's policy
// holds new devices for an admin (devices.adminApproval). Erin's own approval of her laptop leaves
// it held — it cannot sign in —, a support admin may not approve it, the owner does, and then it signs in.
// (Steps split into tests: each CLI call is a process, slow on a loaded machine.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ORG_POLICY } from '@candor/protocol'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-devices-'))
let server: ServerProcess
const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])
/** Runs a command that must succeed (its stderr shown when it does not). */
async function ok(home: string, ...args: string[]) {
  const r = await candor(home, ...args)
  expect(r.code, `candor ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor org: devices held for an admin', () => {
  let deviceId: string | undefined

  it('sets up acme: an owner, a support admin, a member; a policy that holds new devices', async () => {
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    await ok('op', 'register', 'op')
    await ok('op', 'admin', 'enrol', token!, '--org', 'ops')
    await ok('op', 'org', 'create', 'acme', '--name', 'Acme', '--signup', 'open')
    await ok('op', 'org', 'domains', 'acme', 'add', 'acme.example')
    for (const u of ['olive', 'sam', 'erin']) await ok(u, 'register', `${u}@acme.example`, '--org', 'acme')
    await ok('op', 'org', 'grant', 'acme', 'olive@acme.example', 'owner')
    await ok('olive', 'org', 'grant', 'acme', 'sam@acme.example', 'support')
    const file = join(dir, 'policy.json')
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, adminApproval: true } }))
    await ok('olive', 'org', 'policy', 'acme', 'set', file)
  })

  it('holds erin’s laptop after her own approval: it cannot sign in, the owner sees it held', async () => {
    const enrolled = await candor('laptop', 'enrol', 'erin@acme.example', '--name', 'laptop')
    deviceId = /device (\S+) asks to join/.exec(enrolled.stdout)?.[1]
    expect(deviceId).toBeDefined()
    expect((await candor('erin', 'approve', deviceId!)).stdout).toMatch(/holds it until an admin approves it too/)
    const before = await candor('laptop', 'devices')
    expect(before.code).toBe(1)
    expect(before.stderr).toMatch(/forbidden/)
    expect((await candor('olive', 'org', 'held-devices', 'acme')).stdout).toContain(`${deviceId}  erin@acme.example  "laptop"`)
  })

  it('a support admin cannot approve it; the owner does, and it signs in', async () => {
    const bySupport = await candor('sam', 'org', 'approve-device', 'acme', deviceId!, '--why', 'support_request', '--case', 'D-1')
    expect(bySupport.code).toBe(1)
    expect(bySupport.stderr).toMatch(/forbidden/)
    expect((await candor('olive', 'org', 'approve-device', 'acme', deviceId!, '--why', 'support_request', '--case', 'D-1')).stdout).toMatch(
      new RegExp(`approved ${deviceId} of erin@acme\\.example: it may sign in now`),
    )
    expect((await candor('olive', 'org', 'held-devices', 'acme')).stdout).toMatch(/no devices held/)
    const after = await candor('laptop', 'devices')
    expect(after.code).toBe(0)
    expect(after.stdout).toContain(deviceId!)
  })
})
