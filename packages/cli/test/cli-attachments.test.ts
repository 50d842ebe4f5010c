// `candor send --file` and `candor download` against a server process (`candor serve`, blobs in
// <data>/blobs): the file arrives byte for byte, `read --json` lists it without its key, the
// blob folder holds ciphertext only, and a blob changed on the server is refused, leaving no file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-files-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]) {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor send --file / download', () => {
  it('sends a file, lists it in read --json, downloads it with its hash checked; refuses a tampered blob', async () => {
    await Promise.all([candor('alice', 'register', 'alice'), candor('bob', 'register', 'bob')])
    const bytes = Buffer.concat([Buffer.from('CANARY-file-contents '), randomBytes(300_000)])
    const file = join(dir, 'CANARY report.pdf')
    writeFileSync(file, bytes)
    const sent = await candor('alice', 'send', 'bob', '--file', file, 'the', 'report')
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stdout).toMatch(/^sent CANARY report\.pdf \(300021 bytes\)/)

    const line = (await candor('bob', 'read', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((m) => m.attachments)!
    const sha256 = createHash('sha256').update(bytes).digest('base64url')
    expect(line).toMatchObject({ from: 'alice', text: 'the report', attachments: [{ name: 'CANARY report.pdf', size: bytes.length, sha256, mediaType: 'application/pdf' }] })
    expect(JSON.stringify(line)).not.toContain('"key"')
    const id = (line.attachments as Array<{ id: string }>)[0]!.id

    // The server's folder: ciphertext and sizes only.
    const blobDir = join(dir, 'data', 'blobs')
    for (const f of readdirSync(blobDir)) expect(readFileSync(join(blobDir, f)).toString('latin1')).not.toContain('CANARY')

    // Changed on the server: refused, and no file (not even a partial one) is left.
    const blobFile = join(blobDir, `${id}.blob`)
    const original = readFileSync(blobFile)
    const stored = Buffer.from(original)
    stored[stored.length - 5]! ^= 1
    writeFileSync(blobFile, stored)
    const again = join(dir, 'again')
    mkdirSync(again)
    const bad = await candor('bob', 'download', id, again)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/chunk \d+ failed authentication/)
    expect(readdirSync(again)).toEqual([])

    // Put back: bob's download succeeds, and since he was its one recipient the blob is gone (§2.4 Lifecycle).
    writeFileSync(blobFile, original)
    const out = join(dir, 'downloads')
    mkdirSync(out)
    const got = await candor('bob', 'download', id.slice(0, 10), out)
    expect(got.code, got.stderr).toBe(0)
    expect(readFileSync(join(out, 'CANARY report.pdf')).equals(bytes)).toBe(true)
    expect(existsSync(blobFile)).toBe(false)

    // A stranger to the conversation has no such attachment on their device.
    await candor('carol', 'register', 'carol')
    const none = await candor('carol', 'download', id, again)
    expect(none.stderr).toMatch(/no attachment/)
  }, 600_000)
})
