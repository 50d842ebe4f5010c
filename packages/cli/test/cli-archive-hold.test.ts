// A legal hold survives a 30 s disappearing timer in the archive while devices delete (issue
// "compliance", done-when), through real processes: a server, `candor archive run` as its own
// process (sweeping every second), two compliance officers and three people of acme. The
// archive refuses a policy key no key ceremony published. Two conversations with a 30 s timer;
// a hold on one. After the timer: the members' devices no longer have the messages; the archive
// deleted the other conversation's records (files and index lines) and kept the held one's —
// text and a file, sealed (no plaintext in its folder); two officers open the case and the export
// holds the text and the file, and verifies. Releasing the hold resumes deletion.
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { archiveTestbed, printedArchiveKey, stepsInOrder } from './archive-testbed.ts'

const TIMER_S = 30
const bed = archiveTestbed('cli-archive-hold')
const { dir, home, run, candor, ok, until, indexLines, filesUnder } = bed

/** Whether any file under the folder contains the text. */
const holds = (d: string, text: string) => filesUnder(d).some((p) => readFileSync(p).includes(Buffer.from(text)))
/** The index lines of a conversation's records under the timer. */
const timed = (conv: string) => indexLines().filter((l) => l.conversation === conv && l.expiresAt !== undefined)

describe('a legal hold survives a 30 s disappearing timer in the archive while devices delete', () => {
  stepsInOrder()
  let held = ''
  let free = ''
  let holdId = ''
  let sentAt = 0
  const heldText = `canary-held-${randomBytes(6).toString('hex')}`
  const freeText = `canary-free-${randomBytes(6).toString('hex')}`
  const fileText = `canary-file-${randomBytes(6).toString('hex')}`
  const fileBytes = Buffer.from(`${fileText}\n`.repeat(5000)) // 2 chunks of the archive's file format
  const out = join(dir, 'export')

  it('sets up acme; the archive refuses a policy key no key ceremony published, and runs on the officers’ key', async () => {
    await bed.setUpAcme(['alice', 'bob', 'carol', 'olga', 'omar'], ['olga', 'omar'])
    // The ceremony: 2 of 2 officers hold the archive key.
    const archiveKey = printedArchiveKey((await ok('olga', 'archive', 'keys', '--org', 'acme', '--k', '2')).stdout)
    expect(archiveKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // A policy naming another key, whose private half sits whole in one file: the archive refuses it.
    const wholeKey = printedArchiveKey((await run(['archive', 'keygen', '--out', join(dir, 'whole-key.json')])).stdout)
    expect((await bed.setArchivePolicy(wholeKey)).stdout).toMatch(/policy version 1 applies/)
    const refused = await candor('arch', 'archive', 'run')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/not sealing to acme's policy key: the archive key in acme's policy is not one its compliance officers' key ceremony published/)
    expect((await bed.setArchivePolicy(archiveKey)).stdout).toMatch(/policy version 2 applies/)
    bed.startArchive('--sweep-every', '1')
    await until('the archive to start', () => /running \(policy v2\)/.test(bed.archive!.out()))
  }, 600_000)

  it('two conversations with a 30 s timer; a hold on one, which its people see', async () => {
    for (const [name, people] of [['held', ['bob@acme.example', 'carol@acme.example']], ['free', ['bob@acme.example']]] as const) {
      const created = await ok('alice', 'create', ...people)
      const conv = created.stdout.trim()
      if (name === 'held') held = conv
      else free = conv
      await until(`the archive to join ${name}`, () => bed.archive!.out().includes(`joined ${conv}`))
      expect((await candor('alice', 'timer', conv, `${TIMER_S}s`)).stdout).toMatch(/now disappear after 30 seconds/)
    }
    const placed = await ok('olga', 'compliance', 'hold', 'acme', held, '--case', 'LH-30')
    holdId = /hold placed: (\S+)/.exec(placed.stdout)?.[1] ?? ''
    expect(holdId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await candor('bob', 'who', held)).stdout).toMatch(/^a legal hold applies to this conversation: case LH-30/m)
    expect((await candor('bob', 'who', free)).stdout).not.toMatch(/legal hold/)
  }, 900_000)

  it('the archive keeps each message sealed, the file too: no plaintext in its folder (nor the server’s)', async () => {
    sentAt = Date.now()
    await ok('bob', 'send', held, heldText)
    // The sender's device has it, before the timer (a reader's device might get it only once expired on a loaded machine).
    expect(holds(home('bob'), heldText)).toBe(true)
    writeFileSync(join(dir, 'evidence.txt'), fileBytes)
    await ok('alice', 'send', held, '--file', join(dir, 'evidence.txt'), 'the evidence')
    await ok('bob', 'send', free, freeText)
    expect(holds(home('bob'), freeText)).toBe(true)
    await until('the records under the timer', () => timed(held).length >= 2 && timed(free).length >= 1 && filesUnder(join(home('arch'), 'attachments')).length === 1)
    for (const l of [...timed(held), ...timed(free)]) expect(l.expiresAt! - l.at).toBeLessThanOrEqual(TIMER_S * 1000)
    // Canary: neither the archive's folder (records, attachment files, index, its sealed device state) nor the server's
    // data folder (database, blobs) nor its log holds a text or the file's contents.
    for (const t of [heldText, freeText, fileText]) {
      expect(holds(home('arch'), t), t).toBe(false)
      expect(holds(home('data'), t), t).toBe(false)
      expect(bed.server.output()).not.toContain(t)
    }
  }, 600_000)

  it('after the timer: devices no longer have the messages; the archive deleted the free conversation’s and kept the held one’s', async () => {
    const heldIds = timed(held).map((l) => l.id)
    const freeIds = timed(free).map((l) => l.id)
    await until('the archive to delete the free conversation’s records', () => timed(free).length === 0, (TIMER_S + 40) * 1000)
    expect(Date.now()).toBeGreaterThanOrEqual(sentAt + TIMER_S * 1000 - 2000)
    for (const id of freeIds) expect(existsSync(join(home('arch'), 'records', `${id}.car`))).toBe(false)
    expect(timed(held).map((l) => l.id)).toEqual(heldIds)
    for (const id of heldIds) expect(existsSync(join(home('arch'), 'records', `${id}.car`))).toBe(true)
    expect(filesUnder(join(home('arch'), 'attachments')).length).toBe(1)
    expect(bed.archive!.out()).toMatch(/keeping 2 records past their timer or retention: a legal hold covers them/)
    // The devices' own copies are gone (each deletes at its timer; opening the device sweeps).
    for (const u of ['bob', 'carol']) await candor(u, 'read')
    expect(holds(home('carol'), heldText)).toBe(false)
    expect(holds(home('bob'), heldText)).toBe(false)
    expect(holds(home('bob'), freeText)).toBe(false)
  }, 600_000)

  it('k officers open the case: the export holds the held text and the file, and verifies', async () => {
    const filed = await candor('olga', 'compliance', 'request', 'acme', '--why', 'legal_hold', '--case', 'LH-30', '--conversation', held)
    const id = /requested: (\S+)/.exec(filed.stdout)?.[1] ?? ''
    await ok('olga', 'compliance', 'approve', 'acme', id)
    expect((await candor('omar', 'compliance', 'approve', 'acme', id)).stdout).toMatch(/\(2\/2\)/)
    const opened = await candor('olga', 'compliance', 'open', 'acme', id, '--archive', home('arch'), '--out', out)
    expect(opened.stderr).toBe('')
    expect(opened.stdout).toMatch(/exported \d+ records and 1 attachments to/)
    const emls = readdirSync(join(out, 'messages')).map((n) => readFileSync(join(out, 'messages', n), 'utf8')).join('\n')
    expect(emls).toContain(Buffer.from(heldText).toString('base64'))
    const [attached] = readdirSync(join(out, 'attachments'))
    expect(attached).toMatch(/-0-evidence\.txt$/)
    expect(readFileSync(join(out, 'attachments', attached!)).equals(fileBytes)).toBe(true)
    const logKey = ((await (await fetch(`${bed.server.url}/v1/access-log`)).json()) as { verifierKey: string }).verifierKey
    const verified = await run(['verify-export', out, '--log-key', logKey])
    expect(verified.stdout).toMatch(/^ok: eDiscovery export of acme, case LH-30: .* 1 attachments match their messages' SHA-256 \(checkpoint signed by the pinned log key\)/)
    // A changed byte of the file fails.
    const victim = join(out, 'attachments', attached!)
    const bytes = readFileSync(victim)
    bytes[10]! ^= 1
    writeFileSync(victim, bytes)
    expect((await run(['verify-export', out, '--log-key', logKey])).stderr).toMatch(/FAIL attachments\/.*evidence\.txt: its SHA-256 differs from the manifest's \(changed\)/)
  }, 600_000)

  it('releasing the hold resumes deletion: the held records, their file and index lines go', async () => {
    expect((await candor('olga', 'compliance', 'release', 'acme', holdId)).stdout).toMatch(/hold released/)
    await until('the archive to delete the held records', () => timed(held).length === 0, 30_000)
    expect(filesUnder(join(home('arch'), 'attachments'))).toEqual([])
    expect((await candor('bob', 'who', held)).stdout).not.toMatch(/legal hold/)
    expect((await candor('arch', 'archive', 'verify')).stdout).toMatch(/every file matches its index line/)
  }, 600_000)
})
