// reply, edit, delete, react, rename and mark-read as scripts use them (docs/protocol.md §8),
// against a server process, and what `read --json` shows the other person (§7): replyTo,
// edited, deleted, reactions, and the rename and read state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-features-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}

type Line = Record<string, unknown> & { id: string; text: string; conversation: string }

async function readJson(home: string): Promise<Line[]> {
  const r = await candor(home, 'read', '--json')
  expect(r.code).toBe(0)
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line)
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor reply, edit, delete, react, rename, mark-read', () => {
  it('two people use each command; read --json carries what changed', async () => {
    for (const who of ['alice', 'bob']) {
      const r = await candor(who, 'register', who)
      expect(r.code, r.stderr).toBe(0)
    }
    const out = await candor('alice', '--json', 'send', 'bob', 'lunch at noon?')
    expect(out.code, out.stderr).toBe(0)
    const sent = JSON.parse(out.stdout) as Line
    expect(sent.id, out.stdout).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const [first] = await readJson('bob')
    expect(first).toMatchObject({ id: sent.id, text: 'lunch at noon?', replyTo: null, edited: false, deleted: false, reactions: {} })
    const conversation = first!.conversation

    // A reply by a prefix of the id; alice sees the quote.
    const r = await candor('bob', 'reply', conversation, sent.id.slice(0, 10), 'yes')
    expect(r.stdout).toMatch(new RegExp(`a reply to ${sent.id}`))
    expect(await candor('bob', 'react', conversation, sent.id, '👍')).toMatchObject({ code: 0 })
    const atAlice = await readJson('alice')
    expect(atAlice.find((l) => l.text === 'yes')).toMatchObject({ replyTo: { id: sent.id, from: 'alice', excerpt: 'lunch at noon?' } })
    // Alice's own message, shown again with bob's reaction and its delivered state.
    expect(atAlice.find((l) => l.id === sent.id)).toMatchObject({ reactions: { '👍': ['bob'] } })

    // Bob may not edit alice's message: refused, nothing sent.
    const refused = await candor('bob', 'edit', conversation, sent.id, 'no')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/forbidden/)

    expect((await candor('alice', 'edit', conversation, sent.id, 'lunch at one?')).stdout).toBe(`edited ${sent.id}\n`)
    const edited = await readJson('bob')
    expect(edited.find((l) => l.id === sent.id)).toMatchObject({ text: 'lunch at one?', edited: true, reactions: { '👍': ['bob'] } })

    expect((await candor('bob', 'react', conversation, sent.id, '👍', '--remove')).code).toBe(0)
    expect((await candor('alice', 'rename', conversation, 'Lunch club')).stdout).toBe(`renamed ${conversation} to “Lunch club”\n`)
    expect((await candor('alice', 'delete', conversation, sent.id)).stdout).toBe(`deleted ${sent.id} for everyone\n`)
    const after = await readJson('bob')
    expect(after.find((l) => l.id === sent.id)).toMatchObject({ text: '', deleted: true, reactions: {} })
    expect(after.find((l) => (l.notice as { type?: string } | undefined)?.type === 'conversation')).toMatchObject({ kind: 'notice', notice: { type: 'conversation', name: 'Lunch club' } })

    // Bob marks it read: alice's read shows her message's read state.
    const ping = JSON.parse((await candor('alice', '--json', 'send', conversation, 'still on?')).stdout) as Line
    expect((await candor('bob', 'mark-read', conversation)).stdout).toMatch(/marked read/)
    const state = await readJson('alice')
    expect(state.find((l) => l.id === ping.id)).toMatchObject({ status: 'read', receipts: { bob: 'read' } })
    // Each step is a separate process (about 5 s each on a busy machine).
  }, 420_000)
})
