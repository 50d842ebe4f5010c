// Erasure end to end: a person with two devices, a group with others, messages, key
// packages, access receipts; `deleteAccount()` leaves every conversation (the others remove
// both devices by commits), the server erases everything and returns a signed, logged
// deletion receipt, and a search of the database files finds no identifier or key of the
// account outside the key directory's tombstones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { toBase64Url, type UserId } from '@candor/protocol'
import { CandorClient, DELETION_RECEIPT_KEY, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

const ZOE = 'zoe-erasure-q7x2k9'
let env: DevEnv

beforeAll(async () => {
  env = await startDevEnv()
})
afterAll(async () => env.close())

function occurrences(hay: Buffer, needle: Buffer): number {
  let n = 0
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++
  return n
}

/** Every (table, column) whose value contains the text or bytes, found with SQL over every table. */
function sqlHits(file: string, needles: Buffer[]): string[] {
  const db = new Database(file, { readonly: true })
  try {
    const hits: string[] = []
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]
    for (const t of tables) {
      const cols = (db.prepare(`PRAGMA table_info("${t}")`).all() as Array<{ name: string }>).map((c) => c.name)
      for (const row of db.prepare(`SELECT * FROM "${t}"`).all() as Array<Record<string, unknown>>) {
        for (const c of cols) {
          const v = row[c]
          const b = typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : typeof v === 'number' ? Buffer.from(String(v)) : null
          if (b && needles.some((n) => b.includes(n))) hits.push(`${t}.${c}${t === 'directory_entries' ? `:${row.value === null && row.opening === null ? 'tombstone' : 'OPEN'}` : ''}`)
        }
      }
    }
    return hits
  } finally {
    db.close()
  }
}

describe('account erasure', () => {
  it('erases every server-held datum of the account and returns a signed, logged deletion receipt', async () => {
    const zoeStore = new MemoryLocalStore()
    const zoe = await env.user(ZOE, zoeStore)
    const bob = await env.user('bob')
    const cat = await env.user('cat')
    const laptop = await CandorClient.enrol(options(env.server.url), ZOE, 'laptop')
    env.clients.push(laptop)
    const approved = laptop.waitForApproval()
    await zoe.approve(laptop.deviceId)
    await approved
    await laptop.connect()

    const group = await zoe.createConversation(['bob', 'cat'])
    await waitFor(() => laptop.conversations().some((c) => c.id === group) && bob.conversations().some((c) => c.id === group), 'everyone to join')
    const got = nextMessage(bob, (m) => m.text === 'hello from zoe')
    await zoe.send(group, 'hello from zoe')
    await got
    const direct = await bob.directConversation(ZOE)
    const toZoe = nextMessage(zoe, (m) => m.text === 'hi zoe')
    await bob.send(direct, 'hi zoe')
    await toZoe
    await env.server.context.access.access(
      { accessor: { userId: 'ops' as UserId, role: 'support', org: 'acme' }, subject: ZOE as UserId, categories: ['device_list'], resources: [], justification: 'support_request', caseRef: 'T-9' },
      async () => undefined,
    )
    expect(await zoe.accessReceipts()).toHaveLength(1)

    const ids = [zoe.deviceId, laptop.deviceId]
    const keys = await Promise.all(ids.map(async (d) => (await env.server.context.store.getDevice(d as never))!.publicKey))
    const files = () => readdirSync(env.dataDir).map((f) => join(env.dataDir, f))
    const deviceNeedles = [...ids.map((d) => Buffer.from(d)), ...keys.map((k) => Buffer.from(k)), ...keys.map((k) => Buffer.from(toBase64Url(k)))]
    // Negative control: before the erasure the search finds each of them.
    for (const n of deviceNeedles) expect(files().reduce((sum, f) => sum + occurrences(readFileSync(f), n), 0)).toBeGreaterThan(0)

    // Negative control for the local wipe: zoe's device holds both conversations' history.
    expect((await zoeStore.lines(`history/${group}`)).length).toBeGreaterThan(0)
    expect((await zoeStore.lines(`history/${direct}`)).length).toBeGreaterThan(0)

    const receipt = await zoe.deleteAccount()

    expect(receipt.text).toContain(`user ${ZOE}\n`)
    for (const d of ids) expect(receipt.text).toContain(`device ${d} `)
    expect(receipt.erased).toMatchObject({ devices: 2, memberships: expect.any(Number), accessReceipts: 1 })
    expect(JSON.parse((await zoeStore.get(DELETION_RECEIPT_KEY))!)).toMatchObject({ index: receipt.index })
    expect(await zoeStore.keys('')).toEqual([DELETION_RECEIPT_KEY])
    for (const conv of [group, direct]) expect(await zoeStore.lines(`history/${conv}`)).toEqual([])
    expect(await zoeStore.lines('inbox')).toEqual([])

    // The others remove both of zoe's devices from each group by commits.
    for (const conv of [group, direct]) {
      await waitFor(async () => !(await bob.whoCanRead(conv)).some((r) => r.userId === ZOE), `bob to see zoe removed from ${conv}`)
    }
    await waitFor(async () => !(await cat.whoCanRead(group)).some((r) => r.userId === ZOE), 'cat to see zoe removed')
    await expect(laptop.api.myDevices()).rejects.toMatchObject({ code: expect.stringMatching(/unauthenticated|device_revoked|unknown_device/) })
    expect(await env.server.context.store.userExists(ZOE as UserId)).toBe(false)
    const store = env.server.context.store
    for (const c of [bob, cat]) await waitFor(async () => (await store.pendingCount(c.deviceId)) === 0, 'queues to drain')

    // Search the database files: device ids and keys nowhere; the user id only in tombstones.
    for (const f of files()) {
      const bytes = readFileSync(f)
      for (const n of deviceNeedles) expect(occurrences(bytes, n), `${n.toString('hex').slice(0, 16)}… in ${f}`).toBe(0)
    }
    const db = files().find((f) => f.endsWith('.db'))!
    // The user id stays only in the directory's tombstone and in the journal other nodes catch up on
    // that tombstone from (directory_tombstones, docs/scale-out.md): the label, nothing else.
    const tombstones = new Set(['directory_entries.label:tombstone', 'directory_tombstones.label'])
    expect(sqlHits(db, [Buffer.from(ZOE), ...deviceNeedles]).filter((h) => !tombstones.has(h))).toEqual([])
    expect(sqlHits(db, [Buffer.from(ZOE)]).length).toBeGreaterThan(0)
    for (const f of files().filter((x) => !x.endsWith('.db'))) expect(occurrences(readFileSync(f), Buffer.from(ZOE)), f).toBe(0)

    // Bob and cat carry on without zoe.
    const after = nextMessage(cat, (m) => m.text === 'still here')
    await bob.send(group, 'still here')
    await after
  })
})
