// The data-ownership commands added for issue 4, through the real `candor` program and server:
// `admin revoke` (operators only, never the last operator, a receipt to the person),
// `receipts --log-key`, `receipts` raising a withheld receipt, `consents` showing a compliance archive and the person's own consent or
// its absence, and `verify-export --log-key/--directory-key` against the server's keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CANDOR_BIN, runCandor } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-ownership-'))
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

async function candor(home: string | null, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const device = home === null ? [] : ['--server', url, '--home', join(dir, home)]
  return runCandor([...device, ...args])
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

describe('candor data-ownership commands', () => {
  it('admin revoke: operators only, never the last operator, with a receipt; receipts --log-key', async () => {
    for (const u of ['op', 'sam']) expect((await candor(u, 'register', u)).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', token, '--org', 'acme')).code).toBe(0)
    expect((await candor('op', 'admin', 'grant', 'sam', '--role', 'support')).code).toBe(0)
    const last = await candor('op', 'admin', 'revoke', 'op', '--why', 'support_request', '--case', 'T-1')
    expect(last.code).toBe(1)
    expect(last.stderr).toMatch(/conflict.*last operator/)
    expect((await candor('sam', 'admin', 'revoke', 'op', '--why', 'support_request', '--case', 'T-1')).stderr).toMatch(/forbidden/)
    const revoked = await candor('op', 'admin', 'revoke', 'sam', '--why', 'security_investigation', '--case', 'SEC-7')
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toMatch(/sam is no longer an admin \(was support, default/)
    expect((await candor('sam', 'admin', 'devices', 'op', '--why', 'support_request', '--case', 'T-2')).stderr).toMatch(/forbidden/)

    const { verifierKey } = (await (await fetch(`${url}/v1/access-log`)).json()) as { verifierKey: string }
    const seen = await candor('sam', 'receipts', '--log-key', verifierKey)
    expect(seen.code).toBe(0)
    expect(seen.stdout).toMatch(/security_investigation, case SEC-7/)
    const other = 'candor/access-log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const refused = await candor('sam', 'receipts', '--log-key', other)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/receipt_invalid/)
  })

  it('receipts: one the server keeps from the person is a SECURITY ALERT and exit code 3', async () => {
    expect((await candor('wes', 'register', 'wes')).code).toBe(0)
    expect((await candor('op', 'admin', 'user', 'wes', '--why', 'support_request', '--case', 'W-1')).code).toBe(0)
    expect((await candor('op', 'admin', 'devices', 'wes', '--why', 'support_request', '--case', 'W-2')).code).toBe(0)
    const honest = await candor('wes', 'receipts')
    expect(honest.code).toBe(0)
    expect(honest.stdout).toMatch(/case W-1[\s\S]*case W-2/)
    expect(honest.stderr).not.toMatch(/SECURITY ALERT/)

    // Someone with write access to the server's database takes the first receipt away from wes.
    const db = new Database(join(dir, 'data', 'candor.db'), { fileMustExist: true })
    try {
      db.pragma('busy_timeout = 5000')
      expect(db.prepare("UPDATE access_log SET subject = NULL WHERE idx = (SELECT MIN(idx) FROM access_log WHERE subject = 'wes')").run().changes).toBe(1)
    } finally {
      db.close()
    }
    const kept = await candor('wes', 'receipts')
    expect(kept.code).toBe(3)
    expect(kept.stdout).toMatch(/case W-2/)
    expect(kept.stdout).not.toMatch(/case W-1/)
    expect(kept.stderr).toMatch(/SECURITY ALERT: the server kept an access receipt from you: version \d+ of your directory entry commits to access receipts the server did not hand/)
  })

  it('consents shows a compliance archive with the person’s own consent or its absence; verify-export with pinned keys', async () => {
    for (const u of ['uma', 'vic', 'archive.acme']) expect((await candor(u, 'register', u)).code).toBe(0)
    const conv = (await candor('uma', 'create', 'vic')).stdout.trim()
    expect((await candor('uma', 'add', conv, 'archive.acme')).code).toBe(0)
    expect((await candor('uma', 'consents')).stdout).toMatch(new RegExp(`given\\s+compliance_archive ${conv}[\\s\\S]*compliance archive in ${conv}: archive\\.acme — you consented`))
    const vic = await candor('vic', 'consents')
    expect(vic.stdout).toMatch(/no consent records/)
    expect(vic.stdout).toMatch(new RegExp(`compliance archive in ${conv}: archive\\.acme — you have NOT consented`))
    // Named like an archive, but the key directory (which follows the organisation's signed policy) says person.
    expect((await candor('vic', 'who', conv)).stdout).toMatch(/^  archive\.acme$/m)

    const out = join(dir, 'uma-export')
    expect((await candor('uma', 'export', out)).code).toBe(0)
    const logKey = ((await (await fetch(`${url}/v1/access-log`)).json()) as { verifierKey: string }).verifierKey
    const directoryKey = ((await (await fetch(`${url}/v1/directory`)).json()) as { verifierKey: string }).verifierKey
    const ok = await candor(null, 'verify-export', out, '--log-key', logKey, '--directory-key', directoryKey)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/access log and key directory checkpoints signed by the pinned keys/)
    const wrong = await candor(null, 'verify-export', out, '--log-key', directoryKey)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^FAIL data\/access-receipts\.json: .*pinned log key/)
  })
})
