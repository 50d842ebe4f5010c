// Account erasure reaches the compliance archive (docs/protocol.md §11.12), through real
// processes: a server, `candor archive run` as its own process (sweeping every second), an officer
// and three people of acme. Two notices forged straight into the server's database — one signed by
// a random key, one "made by" the owner about bob and signed with the server's own key — are
// refused and delete nothing. Carol erases her account: her receipt says what the archive erases;
// her text and file in an unheld conversation go from the archive (records, attachment files,
// index lines), her record in a held conversation stays, nobody else's goes. Releasing the hold
// deletes it at the next sweep. The audit trail shows the notices.
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { erasureNoticeText, fromBase64Url, orgErasureKeyName, utf8, type AuditEntry } from '@candor/protocol'
import { ed25519NoteSigner, merkleLeafHash, signNote } from '@candor/transparency'
import { archiveTestbed, printedArchiveKey, stepsInOrder } from './archive-testbed.ts'

const bed = archiveTestbed('cli-archive-erasure')
const { dir, home, ok, until, indexLines } = bed

const ids = (pred: (l: ReturnType<typeof indexLines>[number]) => boolean) => indexLines().filter(pred).map((l) => l.id).sort()
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

describe('account erasure reaches the compliance archive', () => {
  stepsInOrder()
  let open = ''
  let held = ''
  let holdId = ''
  let auditIndex = -1
  const file = join(dir, 'report.txt')

  it('sets up acme: an officer’s key, the policy naming the archive, the archive running', async () => {
    await bed.setUpAcme(['alice', 'bob', 'carol', 'olga'], ['olga'])
    const archiveKey = printedArchiveKey((await ok('olga', 'archive', 'keys', '--org', 'acme', '--k', '1')).stdout)
    expect((await bed.setArchivePolicy(archiveKey)).stdout).toMatch(/policy version 1 applies/)
    bed.startArchive('--sweep-every', '1')
    await until('the archive to start', () => /running \(policy v1\)/.test(bed.archive!.out()))
  }, 600_000)

  it('carol and bob write in an open and a held conversation; the archive keeps every message, carol’s file too', async () => {
    open = (await ok('alice', 'create', 'bob@acme.example', 'carol@acme.example')).stdout.trim()
    held = (await ok('alice', 'create', 'bob@acme.example', 'carol@acme.example')).stdout.trim()
    for (const g of [open, held]) await until(`the archive to join ${g}`, () => bed.archive!.out().includes(`joined ${g}`))
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
    await until('the archive to refuse both', () => /notice is not signed by the pinned access-log key; nothing deleted/.test(bed.archive!.out()) && /made by admin alice@acme\.example, not by the person erased; nothing deleted/.test(bed.archive!.out()))
    expect(bed.archive!.out()).not.toMatch(/accepted the erasure/)
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
    expect(bed.archive!.out()).toMatch(new RegExp(`accepted the erasure of carol@acme\\.example \\(audit index ${auditIndex}\\)`))
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
    await bed.stopArchive()
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
