// `candor serve --http-rate N --lookup-rate N`: the operator's per-address allowances reach the
// server. With lookups at 0 a registered person's device is turned away from the key directory
// (rate_limited), while registration — an ordinary request under --http-rate — still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-rates-'))
let server: ServerProcess

const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'), 0, { args: ['--http-rate', '500', '--lookup-rate', '0'] })
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor serve --lookup-rate 0', () => {
  it('turns key-directory lookups away with rate_limited; other requests go on', async () => {
    const reg = await candor('alice', 'register', 'alice')
    expect(reg.code, reg.stderr).toBe(0)
    const safety = await candor('alice', 'safety', 'alice')
    expect(safety.code).not.toBe(0)
    expect(safety.stderr).toMatch(/rate_limited|too many/i)
    const res = await fetch(`${server.url}/v1/directory/lookup/alice`)
    expect(res.status).toBe(401) // unauthenticated: refused before any allowance is spent
  })
})
