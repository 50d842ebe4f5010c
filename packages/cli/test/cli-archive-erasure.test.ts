// Account erasure reaches the compliance archive (docs/protocol.md §11.12), through real
// processes: a server, `candor archive run` as its own process (sweeping every second), an officer
// and three people of acme. Two notices forged straight into the server's database — one signed by
// a random key, one "made by" the owner about bob and signed with the server's own key — are
// refused and delete nothing. Carol erases her account: her receipt says what the archive erases;
// her text and file in an unheld conversation go from the archive (records, attachment files,
// index lines), her record in a held conversation stays, nobody else's goes. Releasing the hold
// deletes it at the next sweep. The audit trail shows the notices.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { DEFAULT_ORG_POLICY, erasureNoticeText, fromBase64Url, orgErasureKeyName, utf8, type AuditEntry } from '@candor/protocol'
import { ed25519NoteSigner, merkleLeafHash, signNote } from '@candor/transparency'
import { parseIndexLine } from '@candor/compliance'
import { CANDOR_BIN, startServerProcess, type CliResult, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-archive-erasure-'))
let server: ServerProcess
let archive: { child: ChildProcess; out: () => string } | undefined
const home = (h: string) => join(dir, h)
/** As runCandor, with 120 s for each command (under a loaded machine one can take over 30 s). */
function run(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CANDOR_BIN, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr: error?.killed ? `${stderr}(killed after 120 s)` : stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 })
    })
  })
}
const candor = (h: string, ...args: string[]) => run(['--server', server.url, '--home', home(h), ...args])
async function ok(h: string, ...args: string[]) {
  const r = await candor(h, ...args)
  expect(r.code, `candor ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

async function until<T>(what: string, f: () => T | Promise<T>, timeoutMs = 90_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${archive ? `\narchive output:\n${archive.out()}` : ''}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const indexLines = () => {
  try {
    return readFileSync(join(home('arch'), 'index.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map(parseIndexLine)
  } catch {
    return []
  }
}
const ids = (pred: (l: ReturnType<typeof parseIndexLine>) => boolean) => indexLines().filter(pred).map((l) => l.id).sort()
const attachments = () => (existsSync(join(home('arch'), 'attachments')) ? readdirSync(join(home('arch'), 'attachments')).sort() : [])

/** An entry written into acme's audit trail by someone with the database (the operator, or a thief with a copy). */
function forgeAuditEntry(entry: AuditEntry): void {
  const text = JSON.stringify(entry)
  const db = new Database(join(home('data'), 'candor.db'), { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 10000')
    db.prepare(
      `INSERT INTO org_audit_log (org_id, idx, leaf_hash, entry, logged_at)
       VALUES ('acme', (SELECT COALESCE(MAX(idx) + 1, 0) FROM org_audit_log WHERE org_id = 'acme'), ?, ?, ?)`,
    ).run(Buffer.from(merkleLeafHash(utf8(text))), Buffer.from(text), entry.at)
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  server = await startServerProcess(home('data'), 0, { startTimeoutMs: 100_000 })
}, 120_000)
afterAll(async () => {
  archive?.child.kill('SIGTERM')
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('account erasure reaches the compliance archive', () => {
  let failed = false
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true
  })
  beforeEach((ctx) => {
    if (failed) ctx.skip()
  })
  let open = ''
  let held = ''
  let holdId = ''
  let auditIndex = -1
  const file = join(dir, 'report.txt')

  it('sets up acme: an officer’s key, the policy naming the archive, the archive running', async () => {
    // A conversation id may start with '-': it goes after '--' (the end of the flags).
    const token = /admin enrol (adm-\S+)/.exec(server.output())?.[1]
    await ok('op', 'register', 'op')
    await ok('op', 'admin', 'enrol', token!, '--org', 'ops')
    await ok('op', 'org', 'create', 'acme', '--name', 'ACME', '--signup', 'open')
    await ok('op', 'org', 'domains', 'acme', 'add', 'acme.example')
    for (const u of ['alice', 'bob', 'carol', 'olga']) await ok(u, 'register', `${u}@acme.example`, '--org', 'acme')
    await ok('op', 'org', 'grant', 'acme', 'alice@acme.example', 'owner')
    await ok('alice', 'org', 'grant', 'acme', 'olga@acme.example', 'compliance_officer')
    await ok('arch', 'archive', 'register', 'archive@acme.example', '--org', 'acme')
    const keys = await ok('olga', 'archive', 'keys', '--org', 'acme', '--k', '1')
    const archiveKey = /archive key \(for the policy's archive\.archiveKey\): (\S+)/.exec(keys.stdout)?.[1]
    const policy = join(dir, 'policy.json')
    writeFileSync(policy, JSON.stringify({ ...DEFAULT_ORG_POLICY, archive: { required: 'all', account: 'archive@acme.example', archiveKey } }))
    expect((await ok('alice', 'org', 'policy', 'acme', 'set', policy)).stdout).toMatch(/policy version 1 applies/)
    const child = spawn(process.execPath, [CANDOR_BIN, '--server', server.url, '--home', home('arch'), 'archive', 'run', '--sweep-every', '1'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
    archive = { child, out: () => log }
    await until('the archive to start', () => /running \(policy v1\)/.test(log))
  }, 600_000)

  it('carol and bob write in an open and a held conversation; the archive keeps every message, carol’s file too', async () => {
    open = (await ok('alice', 'create', 'bob@acme.example', 'carol@acme.example')).stdout.trim()
    held = (await ok('alice', 'create', 'bob@acme.example', 'carol@acme.example')).stdout.trim()
    for (const g of [open, held]) await until(`the archive to join ${g}`, () => archive!.out().includes(`joined ${g}`))
    holdId = /hold placed: (\S+)/.exec((await ok('olga', 'compliance', 'hold', '--case', 'LH-E', '--', 'acme', held)).stdout)?.[1] ?? ''
    expect(holdId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    await ok('carol', 'send', '--', open, `carol-open-${randomBytes(4).toString('hex')}`)
    writeFileSync(file, Buffer.from('carol’s report\n'.repeat(3000)))
    await ok('carol', 'send', '--file', file, '--', open, 'the report')
    await ok('carol', 'send', '--', held, 'carol-held')
    await ok('bob', 'send', '--', open, 'bob-open')
    await ok('bob', 'send', '--', held, 'bob-held')
    await until('the five records and the file', () => ids((l) => l.sender.user.startsWith('carol@') || l.sender.user.startsWith('bob@')).length >= 5 && attachments().length === 1)
  }, 600_000)

  it('forged notices written into the server’s database are refused and delete nothing', async () => {
    const before = indexLines().map((l) => l.id).sort()
    const at = Date.now()
    const bob = 'bob@acme.example'
    // Signed by a random key, as bob's own erasure.
    const stranger = signNote(erasureNoticeText({ org: 'acme', person: bob, at }), [ed25519NoteSigner(orgErasureKeyName('acme'), new Uint8Array(randomBytes(32)))])
    forgeAuditEntry({ v: 1, org: 'acme', at, actor: { kind: 'person', id: bob, role: null }, action: 'account.erase', target: `user:${bob}`, details: { notice: stranger, holds: [] } })
    // "Made by" the owner about bob, signed with the server's own access-log key (from its key file).
    const seed = fromBase64Url((JSON.parse(readFileSync(join(home('data'), 'server-keys.json'), 'utf8')) as { accessLogSigningKey: string }).accessLogSigningKey)!
    const byAdmin = signNote(erasureNoticeText({ org: 'acme', person: bob, at }), [ed25519NoteSigner(orgErasureKeyName('acme'), seed)])
    forgeAuditEntry({ v: 1, org: 'acme', at, actor: { kind: 'admin', id: 'alice@acme.example', role: 'owner' }, action: 'account.erase', target: `user:${bob}`, details: { notice: byAdmin, holds: [] } })
    await until('the archive to refuse both', () => /notice is not signed by the pinned access-log key; nothing deleted/.test(archive!.out()) && /made by admin alice@acme\.example, not by the person erased; nothing deleted/.test(archive!.out()))
    expect(archive!.out()).not.toMatch(/accepted the erasure/)
    expect(indexLines().map((l) => l.id).sort()).toEqual(before)
    expect(attachments()).toHaveLength(1)
  }, 600_000)

  it('carol erases her account: her receipt says what the archive erases; her unheld text and file go, her held record and everyone else’s stay', async () => {
    const carolOpen = ids((l) => l.sender.user === 'carol@acme.example' && l.conversation === open)
    const carolHeld = ids((l) => l.sender.user === 'carol@acme.example' && l.conversation === held)
    const others = ids((l) => l.sender.user !== 'carol@acme.example')
    expect(carolOpen).toHaveLength(2)
    expect(carolHeld).toHaveLength(1)
    const receipt = (await ok('carol', 'account', 'delete', '--yes')).stdout
    expect(receipt).toMatch(new RegExp(`held-in-archive conversation:${held} org acme case LH-E until-released hold ${holdId}`))
    auditIndex = Number(/archive-erases org acme records-sent-by carol@acme\.example except-held audit (\d+)/.exec(receipt)?.[1] ?? -1)
    expect(auditIndex).toBeGreaterThanOrEqual(2)
    await until('carol’s unheld records to go', () => ids((l) => l.sender.user === 'carol@acme.example' && l.conversation === open).length === 0)
    expect(archive!.out()).toMatch(new RegExp(`accepted the erasure of carol@acme\\.example \\(audit index ${auditIndex}\\)`))
    for (const id of carolOpen) expect(existsSync(join(home('arch'), 'records', `${id}.car`))).toBe(false)
    expect(attachments()).toEqual([])
    // What stays of carol is in the held conversation only: her text (and her leaving notice, sent as she erased).
    expect(ids((l) => l.sender.user === 'carol@acme.example' && l.conversation !== held)).toEqual([])
    expect(ids((l) => l.sender.user === 'carol@acme.example')).toEqual(expect.arrayContaining(carolHeld))
    expect(existsSync(join(home('arch'), 'records', `${carolHeld[0]}.car`))).toBe(true)
    // Nobody else's record went (bob's, alice's, the archive's own announcements), nor anything the forged notices named.
    expect(ids((l) => l.sender.user !== 'carol@acme.example')).toEqual(expect.arrayContaining(others))
    expect((await ok('arch', 'archive', 'verify')).stdout).toMatch(/every file matches its index line/)
  }, 600_000)

  it('releasing the hold: carol’s held record goes at the next sweep; bob’s stays', async () => {
    const bobHeld = ids((l) => l.sender.user === 'bob@acme.example' && l.conversation === held)
    expect(bobHeld).toHaveLength(1)
    expect((await ok('olga', 'compliance', 'release', 'acme', holdId)).stdout).toMatch(/hold released/)
    await until('carol’s held record to go', () => ids((l) => l.sender.user === 'carol@acme.example').length === 0)
    expect(ids((l) => l.sender.user === 'bob@acme.example' && l.conversation === held)).toEqual(bobHeld)
    // A restart keeps the cursor: no notice is taken or refused twice.
    archive!.child.kill('SIGTERM')
    await until('the archive to stop', () => archive!.child.exitCode !== null || archive!.child.signalCode !== null)
    const state = JSON.parse(readFileSync(join(home('arch'), 'erasures.json'), 'utf8')) as { from: number; erased: { person: string }[] }
    expect(state.from).toBeGreaterThan(auditIndex)
    expect(state.erased.map((e) => e.person)).toEqual(['carol@acme.example'])
  }, 600_000)

  it('the audit trail shows the notices: carol’s own, and the two forged ones', async () => {
    const trail = (await ok('alice', 'org', 'audit', 'acme', '--jsonl')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: number; entry: AuditEntry })
    const erasures = trail.filter((e) => e.entry.action === 'account.erase')
    expect(erasures.map((e) => [e.entry.actor.kind, e.entry.actor.id, e.entry.target])).toEqual([
      ['person', 'bob@acme.example', 'user:bob@acme.example'],
      ['admin', 'alice@acme.example', 'user:bob@acme.example'],
      ['person', 'carol@acme.example', 'user:carol@acme.example'],
    ])
    expect(erasures[2]!.index).toBe(auditIndex)
    expect(erasures[2]!.entry.details).toMatchObject({ holds: [holdId] })
    expect(String(erasures[2]!.entry.details['notice'])).toMatch(/^candor\/org-erasure\/v1\norg acme\nperson carol@acme\.example\nat \d+\n\n— candor\/org-erasure\/acme /)
  }, 600_000)
})
