// k-of-n unlock, receipts, eDiscovery export and legal hold through real processes: a server,
// `candor archive run` as its own process, three compliance officers and three people of acme.
// The officers split the archive key 2-of-3 (`candor archive keys`); the owner's policy names the
// archive and that key; the three people chat and the archive seals what it receives. One
// officer's approval (k − 1) opens nothing; two open one case, each of the three people sees a
// receipt for it first, and the export verifies (`candor verify-export`, pinned log key) — and
// fails once a byte changes. A hold on the conversation is shown to its people and named in an
// erasure receipt; releasing it ends that. The audit trail has every step.
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { archiveTestbed, printedArchiveKey, stepsInOrder } from './archive-testbed.ts'

const bed = archiveTestbed('cli-compliance')
const { dir, home, candor, until, indexLines } = bed

describe('k-of-n unlock, receipts, export and legal hold, through real processes', () => {
  stepsInOrder()
  let conv = ''
  let requestId = ''
  let holdId = ''
  const texts: string[] = []
  const out = join(dir, 'export')

  it('sets up acme: three officers split the archive key 2-of-3; the policy names the archive and that key', async () => {
    await bed.setUpAcme(['alice', 'bob', 'carol', 'olga', 'omar', 'oona'], ['olga', 'omar', 'oona'])
    // A person who is no officer or owner cannot run the ceremony.
    expect((await candor('bob', 'archive', 'keys', '--org', 'acme', '--k', '2')).stderr).toMatch(/forbidden/)
    const keys = await candor('olga', 'archive', 'keys', '--org', 'acme', '--k', '2')
    expect(keys.stderr).toBe('')
    expect(keys.stdout).toMatch(/archive key version 1 of acme: 2 of 3 officer devices open it/)
    const archiveKey = printedArchiveKey(keys.stdout)
    expect((await candor('bob', 'compliance', 'key', 'acme')).stdout).toContain(archiveKey!)
    expect((await bed.setArchivePolicy(archiveKey)).stdout).toMatch(/acme: policy version 1 applies/)
    bed.startArchive()
    await until('the archive to start', () => /running \(policy v1\)/.test(bed.archive!.out()))
  }, 600_000)

  it('three people chat; the archive keeps each message sealed', async () => {
    const created = await candor('alice', 'create', 'bob@acme.example', 'carol@acme.example')
    expect(created.code).toBe(0)
    conv = created.stdout.trim()
    await until('the archive to join', () => bed.archive!.out().includes(`joined ${conv}`))
    for (const u of ['alice', 'bob', 'carol']) {
      const t = `canary-${u}-${randomBytes(6).toString('hex')}`
      texts.push(t)
      expect((await candor(u, 'send', conv, t)).code).toBe(0)
    }
    await until('three records', () => indexLines().filter((l) => l.conversation === conv).length >= 3)
  }, 600_000)

  it('k − 1 officers cannot open anything; no one gets a receipt', async () => {
    const filed = await candor('olga', 'compliance', 'request', 'acme', '--why', 'legal_obligation', '--case', 'SEC-17', '--conversation', conv)
    requestId = /requested: (\S+) \(2 approvals open it\)/.exec(filed.stdout)?.[1] ?? ''
    expect(requestId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await candor('bob', 'compliance', 'request', 'acme', '--why', 'legal_obligation', '--case', 'X', '--conversation', conv)).stderr).toMatch(/forbidden/)
    expect((await candor('olga', 'compliance', 'approve', 'acme', requestId)).stdout).toMatch(/approved: .* \(1\/2\)/)
    const refused = await candor('olga', 'compliance', 'open', 'acme', requestId, '--archive', home('arch'), '--out', out)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/1 of the k = 2 officers' approvals needed/)
    expect(readdirSync(dir)).not.toContain('export')
    expect((await candor('bob', 'receipts')).stdout).not.toMatch(/SEC-17/)
  }, 600_000)

  it('k officers open one case: each of the three people sees a receipt; the export verifies, a changed byte does not', async () => {
    expect((await candor('omar', 'compliance', 'approve', 'acme', requestId)).stdout).toMatch(/\(2\/2\)/)
    const opened = await candor('olga', 'compliance', 'open', 'acme', requestId, '--archive', home('arch'), '--out', out)
    expect(opened.stderr).toBe('')
    // The three people and the archive account (its announcement is in the conversation too).
    expect(opened.stdout).toMatch(/4 people in scope were sent a receipt first; exported \d+ records/)
    for (const u of ['alice', 'bob', 'carol']) expect((await candor(u, 'receipts')).stdout).toMatch(/SEC-17/)
    const emls = readdirSync(join(out, 'messages'))
    const all = emls.map((n) => readFileSync(join(out, 'messages', n), 'utf8')).join('\n')
    for (const t of texts) expect(all).toContain(Buffer.from(t).toString('base64'))
    expect(all).toMatch(new RegExp(`X-Candor-Conversation: ${conv}`))
    const logKey = ((await (await fetch(`${bed.server.url}/v1/access-log`)).json()) as { verifierKey: string }).verifierKey
    const ok = await bed.run(['verify-export', out, '--log-key', logKey])
    expect(ok.stdout).toMatch(/^ok: eDiscovery export of acme, case SEC-17: \d+ files match the manifest, .* \(checkpoint signed by the pinned log key\)/)
    const victim = join(out, 'messages', emls[0]!)
    const bytes = readFileSync(victim)
    bytes[bytes.length - 2]! ^= 1
    writeFileSync(victim, bytes)
    const bad = await bed.run(['verify-export', out, '--log-key', logKey])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/FAIL messages\/.*\.eml: its SHA-256 differs from the manifest's \(changed\)/)
  }, 600_000)

  it('a legal hold on the conversation: its people see it; an erasure receipt names it; release ends it', async () => {
    const placed = await candor('oona', 'compliance', 'hold', 'acme', conv, '--case', 'LH-17')
    holdId = /hold placed: (\S+)/.exec(placed.stdout)?.[1] ?? ''
    expect(holdId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await candor('bob', 'compliance', 'holds')).stdout).toMatch(new RegExp(`a legal hold applies to this conversation \\(${conv}\\): case LH-17`))
    expect((await candor('carol', 'receipts')).stdout).toMatch(/LH-17/)
    const erased = await candor('carol', 'account', 'delete', '--yes')
    expect(erased.stdout).toMatch(new RegExp(`held-in-archive conversation:${conv} org acme case LH-17 until-released hold ${holdId}`))
    expect((await candor('oona', 'compliance', 'release', 'acme', holdId)).stdout).toMatch(/hold released/)
    expect((await candor('bob', 'compliance', 'holds')).stdout).toMatch(/no legal hold applies to you/)
  }, 600_000)

  it('the audit trail has every step', async () => {
    const trail = await candor('olga', 'org', 'audit', 'acme', '--jsonl')
    const actions = trail.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { entry: { action: string } }).entry.action).filter((a) => /^(compliance|hold)\./.test(a))
    expect(actions).toEqual(['compliance.keys', 'compliance.request', 'compliance.approve', 'compliance.approve', 'compliance.open', 'compliance.export', 'hold.place', 'hold.release'])
  }, 600_000)
})
