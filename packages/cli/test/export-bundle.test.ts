// `candor consent`/`consents` keep the signed ledger; `candor export` writes the signed BagIt folder; `candor verify-export` exits 0 on it, and
// non-zero naming the file after any change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CANDOR_BIN, runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-export-'))
let server: ServerProcess

async function candor(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return runCandor([...args])
}
const as = (home: string, ...args: string[]) => candor('--server', server.url, '--home', join(dir, home), ...args)

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor export / verify-export', () => {
  it('exports, verifies, and names the file that differs after a change', async () => {
    expect((await as('nia', 'register', 'nia')).code).toBe(0)
    expect((await as('oto', 'register', 'oto')).code).toBe(0)
    expect((await as('nia', 'send', 'oto', 'keep this')).code).toBe(0)
    expect((await as('nia', 'consent', 'give', 'contact_discovery', 'address-book')).stdout).toMatch(/given: contact_discovery address-book/)
    const ledger = await as('nia', 'consents')
    expect(ledger.stdout).toMatch(/given\s+contact_discovery address-book/)
    expect(ledger.stdout).toMatch(/currently given: contact_discovery address-book/)
    const out = join(dir, 'nia-export')
    const exported = await as('nia', 'export', out)
    expect(exported.code).toBe(0)
    expect(exported.stdout).toMatch(/wrote \d+ files/)
    for (const f of ['bagit.txt', 'manifest-sha256.txt', 'manifest-signature.txt', 'data/account.json', 'data/server-held.json']) expect(existsSync(join(out, f))).toBe(true)
    expect(readFileSync(join(out, 'data/consents.jsonl'), 'utf8')).toMatch(/contact_discovery/)
    expect(readFileSync(join(out, 'manifest-sha256.txt'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}data\/account\.json$/m)

    const ok = await candor('verify-export', out)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^ok: \d+ files match the manifest, signed by device /)

    appendFileSync(join(out, 'data/account.json'), ' ')
    const bad = await candor('verify-export', out)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^FAIL data\/account\.json: /)

    expect((await as('nia', 'export', out)).stderr).toMatch(/not empty/)
    writeFileSync(join(out, 'data/account.json'), '{}')
    expect((await candor('verify-export', join(dir, 'no-such-dir'))).code).not.toBe(0)
  })
})
