// The archive's deletion sweep on a real store (sealed records, attachment files, the index),
// with an injected clock: a timer or the retention ends a record — its file, its attachments and
// its index line go — unless a legal hold covers it; releasing the hold resumes deletion; holds
// that cannot be read delete nothing; a deletion cut short by a crash is finished at start.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DAY_MS, generateArchiveKeyPair, type HoldInfo } from '@candor/compliance'
import { newDeviceId, newGroupId, newMessageId, utf8, type Content } from '@candor/protocol'
import type { ReceivedContent } from '@candor/sdk'
import { RecordWriter } from './record-writer.ts'
import { ArchiveSweeper, readIndex } from './archive-sweeper.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function received(groupId: string, user: string, sentAt: number): ReceivedContent {
  const content = { v: 2, type: 'text', id: newMessageId(), sentAt, seen: {}, text: `words of ${user}` } as unknown as Content
  return { groupId, seq: 1, messageId: content.id!, sentAt, epoch: 1, sender: { userId: user, deviceId: newDeviceId() }, content, plaintext: utf8(JSON.stringify(content)) }
}

const hold = (id: string, target: string, releasedAt: number | null = null): HoldInfo => ({ id, target, case: 'LH-1', until: null, placedAt: 0, releasedAt })

async function store() {
  const dir = mkdtempSync(join(tmpdir(), 'candor-archive-sweep-'))
  dirs.push(dir)
  const kp = await generateArchiveKeyPair()
  const writer = new RecordWriter(dir, kp.publicKey)
  return { dir, writer }
}

describe('the archive deletion sweep', () => {
  it('deletes records whose timer ran out, with their attachment files and index lines; a hold keeps its records until released', async () => {
    const { dir, writer } = await store()
    const held = newGroupId()
    const free = newGroupId()
    const t0 = 1_800_000_000_000
    const ids: Record<string, string> = {}
    for (const [name, g, expires] of [['h', held, t0 + 30_000], ['f', free, t0 + 30_000], ['later', free, t0 + 90_000], ['none', free, undefined]] as const) {
      const r = await writer.write(received(g, 'erin@acme.example', t0), expires, async (rec) => {
        mkdirSync(join(dir, 'attachments'), { recursive: true })
        writeFileSync(join(dir, 'attachments', `${rec.id}-0.caf`), 'sealed')
      })
      ids[name] = r!.id
    }
    let now = t0 + 31_000
    let holds: HoldInfo[] = [hold('h1', `conversation:${held}`)]
    const sweeper = new ArchiveSweeper({ dir, lock: writer.lock, holds: async () => holds, retentionDays: async () => null, now: () => now })
    const r = await sweeper.sweep()
    expect(r).toMatchObject({ deleted: 1, held: 1 })
    expect([...r.byConversation]).toEqual([[free, [ids.f]]])
    expect((await readIndex(dir)).map((l) => l.id).sort()).toEqual([ids.h, ids.later, ids.none].sort())
    expect(existsSync(join(dir, 'records', `${ids.f}.car`))).toBe(false)
    expect(existsSync(join(dir, 'attachments', `${ids.f}-0.caf`))).toBe(false)
    expect(existsSync(join(dir, 'records', `${ids.h}.car`))).toBe(true)
    expect(existsSync(join(dir, 'attachments', `${ids.h}-0.caf`))).toBe(true)
    // Released: the held record goes at the next sweep.
    holds = [hold('h1', `conversation:${held}`, now)]
    now += 1000
    expect(await sweeper.sweep()).toMatchObject({ deleted: 1, held: 0 })
    expect(readdirSync(join(dir, 'records')).sort()).toEqual([`${ids.later}.car`, `${ids.none}.car`].sort())
    expect(readdirSync(join(dir, 'attachments')).sort()).toEqual([`${ids.later}-0.caf`, `${ids.none}-0.caf`].sort())
  })

  it('retention (days, from the policy) ends every record it outlived; the holds are asked only when something is due, and unknown holds delete nothing', async () => {
    const { dir, writer } = await store()
    const g = newGroupId()
    const r = await writer.write(received(g, 'frank@acme.example', 1000))
    const rec = await readIndex(dir)
    let asked = 0
    let now = rec[0]!.at + 7 * DAY_MS - 1
    let fail = false
    const sweeper = new ArchiveSweeper({
      dir, lock: writer.lock, retentionDays: async () => 7, now: () => now,
      holds: async () => {
        asked++
        if (fail) throw new Error('the server did not answer')
        return [hold('x', 'user:frank@acme.example', 5)]
      },
    })
    expect(await sweeper.sweep()).toMatchObject({ deleted: 0 })
    expect(asked).toBe(0)
    now += 1
    fail = true
    await expect(sweeper.sweep()).rejects.toThrow(/did not answer/)
    expect((await readIndex(dir)).length).toBe(1)
    fail = false
    expect(await sweeper.sweep()).toMatchObject({ deleted: 1 })
    expect(existsSync(join(dir, 'records', `${r!.id}.car`))).toBe(false)
    expect(readFileSync(join(dir, 'index.jsonl'), 'utf8')).toBe('')
  })

  it('finishes a deletion a crash interrupted', async () => {
    const { dir, writer } = await store()
    const a = await writer.write(received(newGroupId(), 'erin@acme.example', 1000))
    const b = await writer.write(received(newGroupId(), 'erin@acme.example', 1000))
    writeFileSync(join(dir, 'sweep-pending.json'), JSON.stringify({ ids: [a!.id] }))
    const sweeper = new ArchiveSweeper({ dir, lock: writer.lock, holds: async () => [], retentionDays: async () => null })
    expect(await sweeper.recover()).toBe(1)
    expect((await readIndex(dir)).map((l) => l.id)).toEqual([b!.id])
    expect(existsSync(join(dir, 'records', `${a!.id}.car`))).toBe(false)
    expect(existsSync(join(dir, 'sweep-pending.json'))).toBe(false)
  })

  it('deletes what an erased person sent, with its attachment files, unless a hold keeps it; nobody else’s', async () => {
    const { dir, writer } = await store()
    const open = newGroupId()
    const held = newGroupId()
    const t0 = 1_800_000_000_000
    const ids: Record<string, string> = {}
    for (const [name, g, user] of [['carolOpen', open, 'carol@acme.example'], ['carolHeld', held, 'carol@acme.example'], ['bob', open, 'bob@acme.example']] as const) {
      const r = await writer.write(received(g, user, t0), undefined, async (rec) => {
        mkdirSync(join(dir, 'attachments'), { recursive: true })
        writeFileSync(join(dir, 'attachments', `${rec.id}-0.caf`), 'sealed')
      })
      ids[name] = r!.id
    }
    let erased = new Set<string>()
    let holds: HoldInfo[] = [hold('h1', `conversation:${held}`)]
    const sweeper = new ArchiveSweeper({ dir, lock: writer.lock, holds: async () => holds, retentionDays: async () => null, erased: () => erased, now: () => t0 + 1000 })
    expect(await sweeper.sweep()).toMatchObject({ deleted: 0, erased: 0 })
    erased = new Set(['carol@acme.example'])
    expect(await sweeper.sweep()).toMatchObject({ deleted: 1, erased: 1, held: 1 })
    expect((await readIndex(dir)).map((l) => l.id).sort()).toEqual([ids.carolHeld, ids.bob].sort())
    expect(existsSync(join(dir, 'attachments', `${ids.carolOpen}-0.caf`))).toBe(false)
    expect(existsSync(join(dir, 'attachments', `${ids.bob}-0.caf`))).toBe(true)
    holds = [hold('h1', `conversation:${held}`, t0 + 500)]
    expect(await sweeper.sweep()).toMatchObject({ deleted: 1, erased: 1, held: 0 })
    expect((await readIndex(dir)).map((l) => l.id)).toEqual([ids.bob])
  })
})
