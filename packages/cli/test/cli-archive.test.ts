// The compliance archive as a visible member (docs/protocol.md §11, docs/compliance.md), through
// real processes: a server, `candor archive run` as its own process, three people of an
// organisation whose signed policy requires the archive in every conversation. The archive is
// added by a member's commit and shown to all three (`candor who`, the timeline line), its folder
// holds records that open with the archive's private key and no plaintext anywhere else, the
// server's database and log hold none, a refusal of consent stops that person sending, and an
// archive the policy does not name is flagged and not sent to.
import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { DEFAULT_ORG_POLICY, fromBase64Url } from '@candor/protocol'
import { openArchiveRecord, type ArchiveRecord } from '@candor/compliance'
import { archiveTestbed, printedArchiveKey, stepsInOrder } from './archive-testbed.ts'

const bed = archiveTestbed('cli-archive')
const { dir, home, run, candor, ok, until, indexLines, filesUnder } = bed
const canary = (who: string) => `canary-${who}-${randomBytes(6).toString('hex')}`

let privateKey: Uint8Array
async function openAll(): Promise<ArchiveRecord[]> {
  return Promise.all(indexLines().map(async (l) => openArchiveRecord(privateKey, new Uint8Array(readFileSync(join(home('arch'), 'records', `${l.id}.car`))), l.id)))
}

describe('the compliance archive as a visible member', () => {
  // Each step builds on the one before: after a failure the rest are skipped, not timed out.
  stepsInOrder()
  let conv = ''
  const texts: string[] = []

  it('sets up acme: three people, an archive account, a policy naming it with its archive key', async () => {
    const token = /admin enrol (adm-\S+)/.exec(bed.server.output())?.[1]
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', token!, '--org', 'ops')).code).toBe(0)
    for (const [org, name] of [['acme', 'ACME'], ['globex', 'Globex']] as const) {
      expect((await candor('op', 'org', 'create', org, '--name', name, '--signup', 'open')).code).toBe(0)
      expect((await candor('op', 'org', 'domains', org, 'add', `${org}.example`)).code).toBe(0)
    }
    for (const u of ['alice', 'bob', 'carol']) expect((await candor(u, 'register', `${u}@acme.example`, '--org', 'acme')).code).toBe(0)
    const reg = await candor('arch', 'archive', 'register', 'archive@acme.example', '--org', 'acme')
    expect(reg.stderr).toBe('')
    expect(reg.stdout).toMatch(/registered archive archive@acme\.example/)
    const keygen = await run(['archive', 'keygen', '--out', join(dir, 'archive-private.json')])
    const archiveKey = printedArchiveKey(keygen.stdout)
    expect(archiveKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    privateKey = fromBase64Url((JSON.parse(readFileSync(join(dir, 'archive-private.json'), 'utf8')) as { archivePrivateKey: string }).archivePrivateKey)!
    expect((await candor('op', 'org', 'grant', 'acme', 'alice@acme.example', 'owner')).code).toBe(0)
    // The key is split among acme's compliance officer (k = 1 of 1): the archive and members accept only a key so held.
    expect((await candor('olga', 'register', 'olga@acme.example', '--org', 'acme')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'acme', 'olga@acme.example', 'compliance_officer')).code).toBe(0)
    expect((await candor('olga', 'archive', 'keys', '--org', 'acme', '--k', '1', '--file', join(dir, 'archive-private.json'))).stdout).toContain(archiveKey!)
    // A policy naming someone of another organisation as its archive is refused, nothing set.
    const refused = await bed.setArchivePolicy(archiveKey, 'gina@globex.example')
    expect(refused.stderr).toMatch(/archive\.account: .* is not a member of acme/)
    expect((await bed.setArchivePolicy(undefined)).stderr).toMatch(/archive\.archiveKey: an archive account needs/)
    expect((await bed.setArchivePolicy(archiveKey)).stdout).toMatch(/acme: policy version 1 applies/)
  })

  it('the archive runs as its own process, sealing to the key the signed policy names', async () => {
    bed.startArchive('--update-every', '6')
    await until('the archive to start', () => /archive archive@acme\.example of acme running \(policy v1\)/.test(bed.archive!.out()))
  })

  it('a new conversation gets the archive by a member’s commit; all three see it as an archive', async () => {
    const created = await candor('alice', 'create', 'bob@acme.example', 'carol@acme.example')
    expect(created.code).toBe(0)
    conv = created.stdout.trim()
    for (const u of ['alice', 'bob', 'carol']) {
      const who = await candor(u, 'who', conv)
      expect(who.stdout).toMatch(/archive@acme\.example \[compliance archive, named by your organisation's signed policy\]/)
      expect(who.stdout).toMatch(/^  bob@acme\.example$/m)
      const json = JSON.parse((await candor(u, '--json', 'who', conv)).stdout) as { readers: Array<{ userId: string; kind: string; recognised?: boolean }> }
      expect(json.readers.find((r) => r.userId === 'archive@acme.example')).toMatchObject({ kind: 'archive', recognised: true })
      expect(json.readers.filter((r) => r.kind === 'person').map((r) => r.userId).sort()).toEqual(['alice@acme.example', 'bob@acme.example', 'carol@acme.example'])
    }
    await until('the archive to announce itself', () => bed.archive!.out().includes(`joined ${conv}: announced "Archived by acme, policy v1"`))
    for (const u of ['bob', 'carol']) await until(`${u} to see the archive line`, async () => (await candor(u, 'read')).stdout.includes('* Archived by acme, policy v1'))
  })

  it('three people chat; the archive keeps each message as a sealed record that opens with the private key', async () => {
    for (const u of ['alice', 'bob', 'carol']) {
      const t = canary(u)
      texts.push(t)
      const sent = await candor(u, 'send', conv, t)
      expect(sent.stderr).toBe('')
      expect(sent.code).toBe(0)
    }
    await until('three text records', async () => (await openAll()).filter((r) => r.kind === 'text').length >= 3)
    const records = (await openAll()).filter((r) => r.kind === 'text')
    expect(records.map((r) => r.text).sort()).toEqual([...texts].sort())
    for (const r of records) {
      expect(r.conversation).toBe(conv)
      expect(r.sender.user).toBe(`${r.text!.split('-')[1]}@acme.example`)
      expect(r.seq).toBeGreaterThan(0)
    }
    expect((await run(['--home', home('arch'), 'archive', 'verify'])).stdout).toMatch(/\d+ records; every file matches its index line/)
  })

  it('an edit and a delete are records of their own', async () => {
    const history = JSON.parse(`[${(await candor('alice', '--json', 'read')).stdout.trim().split('\n').filter(Boolean).join(',')}]`) as Array<{ id?: string; text?: string }>
    void history
    const mine = (await openAll()).find((r) => r.text === texts[0])!
    const edited = canary('alice-edit')
    texts.push(edited)
    expect((await candor('alice', 'edit', conv, mine.messageId, edited)).code).toBe(0)
    expect((await candor('alice', 'delete', conv, mine.messageId)).code).toBe(0)
    await until('the edit and delete records', async () => {
      const all = await openAll()
      return all.some((r) => r.kind === 'edit' && r.target === mine.messageId && r.text === edited) && all.some((r) => r.kind === 'delete' && r.target === mine.messageId)
    })
  })

  it('canary: no message text in the archive’s folder outside sealed records, nor in the server’s database or log', async () => {
    const places = [...filesUnder(home('arch')), ...filesUnder(home('data'))]
    expect(places.some((p) => p.endsWith('.car'))).toBe(true)
    for (const p of places) {
      const bytes = readFileSync(p)
      for (const t of texts) expect(bytes.includes(Buffer.from(t)), `${t} in ${p}`).toBe(false)
    }
    for (const t of texts) expect(bed.server.output()).not.toContain(t)
    // The index holds no content.
    expect(readFileSync(join(home('arch'), 'index.jsonl'), 'utf8')).not.toMatch(/canary/)
  })

  it('the archive updates its own leaf regularly; messages after it are archived too', async () => {
    const updates = () => bed.archive!.out().split(`updated its own leaf in ${conv}`).length - 1
    await until('a leaf update', () => updates() > 0, 90_000)
    const before = Math.max(...(await openAll()).map((r) => r.epoch))
    // An update after the newest record (the archive updates every 6 s: the one seen may be older).
    const seen = updates()
    await until('a leaf update after the newest record', () => updates() > seen, 90_000)
    // Bob's device takes the archive's update commit first (a device that has not yet would
    // still send at the old epoch, which the archive reads too, but would prove nothing here).
    expect((await candor('bob', 'read')).code).toBe(0)
    const t = canary('bob-after-update')
    texts.push(t)
    expect((await candor('bob', 'send', conv, t)).code).toBe(0)
    const rec = await until('the record after the update', async () => (await openAll()).find((r) => r.text === t))
    expect(rec.epoch).toBeGreaterThan(before)
  })

  it('a person who refuses consent to the archive cannot send there; consenting again lets them', async () => {
    expect((await candor('carol', 'consent', 'withdraw', 'compliance_archive', conv)).code).toBe(0)
    const refused = await candor('carol', 'send', conv, 'not archived')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/forbidden.*refused your consent/)
    expect((await candor('carol', 'consent', 'give', 'compliance_archive', conv)).code).toBe(0)
    expect((await candor('carol', 'send', conv, 'archived again')).code).toBe(0)
  })

  it('an archive that acme’s policy does not name is flagged and not sent to', async () => {
    // Globex names its own archive: a real archive in the directory, but not acme's.
    expect((await candor('gina', 'register', 'gina@globex.example', '--org', 'globex')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'globex', 'gina@globex.example', 'owner')).code).toBe(0)
    expect((await candor('garch', 'archive', 'register', 'archive@globex.example', '--org', 'globex')).code).toBe(0)
    const file = join(dir, 'globex-policy.json')
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, archive: { required: 'none', account: 'archive@globex.example', archiveKey: 'A'.repeat(43) } }))
    expect((await candor('gina', 'org', 'policy', 'globex', 'set', file)).code).toBe(0)
    const created = await candor('alice', 'create', 'bob@acme.example')
    const other = created.stdout.trim()
    const added = await candor('alice', 'add', other, 'archive@globex.example')
    expect(added.code).toBe(0)
    const who = await candor('bob', 'who', other)
    expect(who.stdout).toMatch(/archive@globex\.example \[compliance archive NOT NAMED by any policy you verified/)
    expect(who.stdout).toMatch(/archive@acme\.example \[compliance archive, named by your organisation's signed policy\]/)
    const refused = await candor('bob', 'send', other, 'to a forged archive')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/forbidden.*archive@globex\.example is an archive that your organisation's verified policy does not name/)
    // Removed again, sending works.
    await ok('alice', 'remove', other, 'archive@globex.example')
    await ok('bob', 'send', other, 'fine now')
  })

  it('the archive stops on SIGTERM and says how many records it wrote', async () => {
    const archive = bed.archive!
    archive.child.kill('SIGTERM')
    await until('the archive to stop', () => /stopped; \d+ records written/.test(archive.out()))
    bed.archive = undefined
  })
})
