// `candor search`, `candor name`, `candor people` and `candor hide` as scripts use them, against
// a server process: search prints what `read --json` prints, display names travel end to end
// (beside the user id), people are found by user id prefix and by display name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-search-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}
const lines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)

/** Every file under a folder, as bytes. */
function filesUnder(d: string): Buffer[] {
  return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? filesUnder(join(d, f)) : [readFileSync(join(d, f))]))
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor search, name, people, hide', () => {
  it('finds messages on the device, shows display names beside user ids, finds people', async () => {
    await Promise.all([candor('alice', 'register', 'alice'), candor('bob', 'register', 'bob')])
    // A name too long or empty is refused, nothing set.
    const long = await candor('alice', 'name', 'x'.repeat(65))
    expect(long.code).toBe(1)
    expect(long.stderr).toMatch(/displayName: must be 1 to 64 characters/)
    expect((await candor('alice', 'name', 'Alice', 'Liddell')).stdout).toBe('your display name is now "Alice Liddell" (shown next to alice)\n')

    expect((await candor('alice', 'send', 'bob', 'the quarterly report is attached')).code).toBe(0)
    expect((await candor('alice', 'send', 'bob', 'lunch at noon?')).code).toBe(0)
    const read = lines((await candor('bob', 'read', '--json')).stdout)
    expect(read.map((m) => m.text)).toEqual(['the quarterly report is attached', 'lunch at noon?'])
    expect(read[0]).toMatchObject({ from: 'alice', fromName: 'Alice Liddell' })

    // The same objects as read --json, newest first; words by prefix, every one required.
    expect(lines((await candor('bob', 'search', 'QUARTER', '--json')).stdout)).toEqual([read[0]])
    expect(lines((await candor('bob', 'search', 'noon', 'lunch', '--json')).stdout)).toEqual([read[1]])
    expect((await candor('bob', 'search', 'report')).stdout).toMatch(/\) alice: the quarterly report is attached\n$/)
    const empty = await candor('bob', 'search', '  ')
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/give at least one word/)
    // The index is a file of bob's device; the server's data folder never holds the words.
    expect(filesUnder(join(dir, 'bob')).some((b) => b.includes(Buffer.from('quarterly')))).toBe(true)
    expect(filesUnder(join(dir, 'data')).some((b) => b.includes(Buffer.from('quarterly')))).toBe(false)
    expect(filesUnder(join(dir, 'data')).some((b) => b.includes(Buffer.from('Liddell')))).toBe(false)

    // People: by user id prefix (the organisation's list) and by display name (known here).
    expect(lines((await candor('bob', 'people', 'ali', '--json')).stdout)).toEqual([{ userId: 'alice', displayName: 'Alice Liddell', source: 'organisation' }])
    expect(lines((await candor('bob', 'people', 'liddell', '--json')).stdout)).toEqual([{ userId: 'alice', displayName: 'Alice Liddell', source: 'conversation' }])

    // Hide: off the list; erased: its history gone from search too.
    const conversation = String(read[0]!.conversation)
    expect((await candor('bob', 'hide', conversation.slice(0, 10), '--erase')).code).toBe(0)
    expect((await candor('bob', 'groups')).stdout).not.toContain(conversation)
    expect((await candor('bob', 'search', 'quarterly')).stdout).toBe('no messages found\n')
  }, 600_000)
})
