// `candor serve` prints a one-time admin token on first start; an admin uses `candor admin …`
// from their own device, and the person concerned sees each access with `candor receipts`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CANDOR_BIN, runCandor } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-admin-'))
let child: ChildProcess
let url = ''
let token = ''

function startServer(): Promise<void> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [CANDOR_BIN, 'serve', '--port', '0', '--data', join(dir, 'data'), '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        url = m[1]!
        token = /admin enrol (adm-\S+)/.exec(out)?.[1] ?? ''
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
}

async function candor(home: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return runCandor(['--server', url, '--home', join(dir, home), ...args])
}

beforeAll(startServer)
afterAll(async () => {
  await new Promise<void>((r) => {
    if (child.exitCode !== null) return r()
    child.once('exit', () => r())
    child.kill('SIGTERM')
  })
  rmSync(dir, { recursive: true, force: true })
})

describe('candor admin and candor receipts', () => {
  it('enrols the first admin with the printed token; each admin action shows up in the person’s receipts', async () => {
    expect(token).toMatch(/^adm-/)
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('kim', 'register', 'kim')).code).toBe(0)
    expect((await candor('kim', 'receipts')).stdout).toMatch(/no one else has accessed your data/)

    const notYet = await candor('op', 'admin', 'user', 'kim', '--why', 'support_request', '--case', 'T-1')
    expect(notYet.code).toBe(1)
    expect(notYet.stderr).toMatch(/forbidden/)
    expect((await candor('op', 'admin', 'enrol', token, '--org', 'acme')).stdout).toMatch(/op is now an admin \(operator, acme\)/)
    expect((await candor('kim', 'admin', 'enrol', token)).code).toBe(1)

    const noReason = await candor('op', 'admin', 'user', 'kim')
    expect(noReason.code).toBe(1)
    expect(noReason.stderr).toMatch(/--why/)
    const user = await candor('op', 'admin', 'user', 'kim', '--why', 'support_request', '--case', 'T-1')
    expect(user.code).toBe(0)
    expect(user.stdout).toMatch(/kim: first seen/)
    const out = join(dir, 'kim-metadata.json')
    expect((await candor('op', 'admin', 'export', 'kim', '--why', 'subject_request', '--case', 'DSAR-2', '--out', out)).code).toBe(0)
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ userId: 'kim' })

    const receipts = await candor('kim', 'receipts')
    expect(receipts.code).toBe(0)
    expect(receipts.stdout).toMatch(/operator p-\S+ \(acme\)/)
    expect(receipts.stdout).toMatch(/support_request, case T-1/)
    expect(receipts.stdout).toMatch(/subject_request, case DSAR-2/)
    expect(receipts.stdout).toMatch(/2 receipt\(s\), each proven in the signed access log/)
    const json = (await candor('kim', 'receipts', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { receipt: { what: { categories: string[] } } })
    expect(json[1]!.receipt.what.categories).toContain('key_packages')

    const devices = await candor('op', 'admin', 'devices', 'kim', '--why', 'security_investigation', '--case', 'SEC-1', '--json')
    const kimDevice = (JSON.parse(devices.stdout.trim().split('\n')[0]!) as { deviceId: string }).deviceId
    const suspended = await candor('op', 'admin', 'suspend', kimDevice, '--why', 'security_investigation', '--case', 'SEC-1')
    expect(suspended.stdout).toMatch(/suspended/)
    expect((await candor('kim', 'receipts')).stderr).toMatch(/device_revoked/)
  })
  it('erases an account with candor account delete --yes and prints the signed receipt', async () => {
    expect((await candor('liz', 'register', 'liz')).code).toBe(0)
    const refused = await candor('liz', 'account', 'delete')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/--yes/)
    const done = await candor('liz', 'account', 'delete', '--yes')
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(/erased liz: 1 device\(s\)/)
    expect(done.stdout).toMatch(/candor account deletion v1\nuser liz\n/)
    expect(done.stdout).toMatch(/\u2014 candor\/access-log /)
    // The id is free again; the old device's home no longer holds a device.
    expect((await candor('liz', 'receipts')).stderr).toMatch(/no device/)
  })
})
