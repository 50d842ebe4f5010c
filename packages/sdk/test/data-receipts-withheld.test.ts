// A receipt kept from its subject: the server (or whoever can write to its database) still logs
// the leaf in the public access log but never hands the receipt to the person. Their key-directory
// entry commits to their receipt tally, so their client notices. Each attack acts on the real
// server's SQLite file as a database insider would; controls show an honest server raises
// nothing, and a delayed notice neither shows early nor changes the entry before its date.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { decodeDirectoryValue, directoryEntry, type UserId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore, type LocalStore, type SecurityAlert } from '../src/index.ts'
import { options } from './dev-env.ts'

const day = 24 * 3600_000
let dir: string
let file: string
let store: SqliteStore
let server: CandorServer
let clock = Date.now()
const clients: CandorClient[] = []
/** The server's key file: the same keys across a restart, as `candor serve` reads them. */
const keys = generateServerKeys()

/** `sweepMs`: how often the server commits receipts whose date came; by default only when a test asks. */
async function start(sweepMs = 3_600_000): Promise<void> {
  store = SqliteStore.open(file)
  server = await createServer({ store, keys, logLevel: 'silent', accessClock: () => clock, receiptSweepMs: sweepMs })
}

async function stop(): Promise<void> {
  for (const c of clients.splice(0)) c.close()
  await server.close()
  await store.close()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-withheld-'))
  file = join(dir, 'candor.db')
  await start()
})
afterAll(async () => {
  await stop()
  rmSync(dir, { recursive: true, force: true })
})

async function user(id: string, local: LocalStore = new MemoryLocalStore()): Promise<{ client: CandorClient; alerts: SecurityAlert[] }> {
  const client = await CandorClient.register(options(server.url, local), id)
  clients.push(client)
  const alerts: SecurityAlert[] = []
  client.on('alert', (a) => alerts.push(a))
  return { client, alerts }
}

function access(subject: string, extra: { delayedUntil?: number; caseRef?: string } = {}): Promise<string> {
  return server.context.access.access(
    {
      accessor: { userId: 'root' as UserId, role: 'operator', org: 'candor-ops' },
      subject: subject as UserId,
      categories: ['account_metadata'],
      resources: [`user:${subject}`],
      justification: extra.delayedUntil ? 'legal_hold' : 'support_request',
      caseRef: extra.caseRef ?? 'CASE-1',
      ...(extra.delayedUntil ? { delayedUntil: extra.delayedUntil } : {}),
    },
    async () => 'done',
  )
}

/** The latest version of a user's entry as the directory holds it, and its receipts commitment. */
async function entryOf(userId: string): Promise<{ version: number; receipts: string | null }> {
  const latest = (await server.context.directory.directory.lookup(userId))!.latest!
  return { version: latest.version, receipts: directoryEntry(decodeDirectoryValue(latest.value!)!).receipts }
}

/** The subject's access-log rows (index order), read from the server's database file. */
function rowsOf(subject: string): Array<{ idx: number; position: number | null }> {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return db.prepare('SELECT idx, position FROM access_log WHERE subject = ? ORDER BY idx').all(subject) as Array<{ idx: number; position: number | null }>
  } finally {
    db.close()
  }
}

/** Runs one statement on the server's database file, as someone with write access to it. */
function insider(sql: string, ...params: unknown[]): number {
  const db = new Database(file, { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    return db.prepare(sql).run(...params).changes
  } finally {
    db.close()
  }
}

describe('a receipt kept from its subject', () => {
  it('control: an honest server hands over every receipt its directory entry commits to, and nothing is raised', async () => {
    const { client, alerts } = await user('ann')
    const before = await entryOf('ann')
    await access('ann', { caseRef: 'A-1' })
    await access('ann', { caseRef: 'A-2' })
    const after = await entryOf('ann')
    expect(after.version).toBeGreaterThan(before.version)
    expect(after.receipts).not.toBe(before.receipts)
    const checked = await client.checkedReceipts()
    expect(checked.receipts.map((r) => [r.receipt?.why.caseRef, r.position])).toEqual([
      ['A-1', 1],
      ['A-2', 2],
    ])
    expect(checked.withheld).toBeNull()
    expect(alerts).toEqual([])
  })

  it('a receipt whose subject the insider erased from its row raises receipt_withheld', async () => {
    const { client, alerts } = await user('ben')
    for (const c of ['B-1', 'B-2', 'B-3']) await access('ben', { caseRef: c })
    expect((await client.checkedReceipts()).withheld).toBeNull()

    const hidden = rowsOf('ben')[1]!
    expect(insider('UPDATE access_log SET subject = NULL WHERE idx = ?', hidden.idx)).toBe(1)
    const checked = await client.checkedReceipts()
    expect(checked.receipts.map((r) => r.receipt?.why.caseRef)).toEqual(['B-1', 'B-3'])
    expect(checked.withheld).not.toBeNull()
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ kind: 'receipt_withheld', handed: 2 })
    // accessReceipts() runs the same check; the same finding is raised once.
    expect(await client.accessReceipts()).toHaveLength(2)
    expect(alerts).toHaveLength(1)
  })

  it('the newest receipt with its envelope deleted raises receipt_withheld', async () => {
    const { client, alerts } = await user('cal')
    await access('cal', { caseRef: 'C-1' })
    await access('cal', { caseRef: 'C-2' })
    const last = rowsOf('cal').at(-1)!
    expect(insider('UPDATE access_log SET envelope = NULL WHERE idx = ?', last.idx)).toBe(1)
    const checked = await client.checkedReceipts()
    expect(checked.receipts.map((r) => r.receipt?.why.caseRef)).toEqual(['C-1'])
    expect(checked.withheld?.version).toBe((await entryOf('cal')).version)
    expect(alerts.map((a) => a.kind)).toEqual(['receipt_withheld'])
  })

  it('renumbering the tally and republishing the entry does not hide it: an earlier version still commits to the receipt', async () => {
    const { client, alerts } = await user('dan')
    for (const c of ['D-1', 'D-2', 'D-3']) await access('dan', { caseRef: c })
    const [, second, third] = rowsOf('dan')
    insider('UPDATE access_log SET subject = NULL, position = NULL WHERE idx = ?', second!.idx)
    insider('UPDATE access_log SET position = 2 WHERE idx = ?', third!.idx)
    // A later access makes the server publish a new entry computed from the doctored rows.
    await access('dan', { caseRef: 'D-4' })
    const checked = await client.checkedReceipts()
    expect(checked.receipts.map((r) => [r.receipt?.why.caseRef, r.position])).toEqual([
      ['D-1', 1],
      ['D-3', 2],
      ['D-4', 3],
    ])
    expect(checked.withheld).not.toBeNull()
    expect(alerts.map((a) => a.kind)).toEqual(['receipt_withheld'])
  })

  it('a delayed notice whose date came is committed before it is handed over, even before the sweep runs', async () => {
    const { client, alerts } = await user('fin')
    await access('fin', { delayedUntil: clock + day, caseRef: 'F-HOLD' })
    clock += 2 * day
    const before = await entryOf('fin')
    const checked = await client.checkedReceipts()
    expect(checked.receipts.map((r) => [r.receipt?.why.caseRef, r.position])).toEqual([['F-HOLD', 1]])
    expect(checked.withheld).toBeNull()
    expect((await entryOf('fin')).version).toBeGreaterThan(before.version)
    expect(alerts).toEqual([])
  })

  it('control: a delayed notice neither shows nor changes the entry before its date; then it is committed, handed over and matches', async () => {
    const local = new MemoryLocalStore()
    const { client, alerts } = await user('eva', local)
    await access('eva', { caseRef: 'E-NOW' })
    const committed = await entryOf('eva')
    await access('eva', { delayedUntil: clock + 10 * day, caseRef: 'E-HOLD' })
    expect(await entryOf('eva')).toEqual(committed)
    expect(await server.context.directory.publishDueReceipts()).toBe(0)
    const early = await client.checkedReceipts()
    expect(early.receipts.map((r) => r.receipt?.why.caseRef)).toEqual(['E-NOW'])
    expect(early.withheld).toBeNull()
    expect(await entryOf('eva')).toEqual(committed)
    // An access logged after the held one is committed at once, ahead of it in the tally.
    await access('eva', { caseRef: 'E-NEXT' })
    expect(rowsOf('eva').map((r) => r.position)).toEqual([1, null, 2])
    expect((await client.checkedReceipts()).withheld).toBeNull()
    const afterNext = await entryOf('eva')

    // The date comes while the server is down; the node that starts next commits it on its own.
    await stop()
    clock += 11 * day
    await start(50)
    const deadline = Date.now() + 10_000
    while (rowsOf('eva')[1]!.position === null) {
      if (Date.now() > deadline) throw new Error('the delayed receipt was never committed')
      await new Promise((r) => setTimeout(r, 50))
    }
    const afterHold = await entryOf('eva')
    expect(afterHold.version).toBeGreaterThan(afterNext.version)
    expect(afterHold.receipts).not.toBe(afterNext.receipts)

    const again = await CandorClient.open(options(server.url, local))
    clients.push(again!)
    again!.on('alert', (a) => alerts.push(a))
    const late = await again!.checkedReceipts()
    expect(late.receipts.map((r) => [r.receipt?.why.caseRef, r.position])).toEqual([
      ['E-NOW', 1],
      ['E-HOLD', 3],
      ['E-NEXT', 2],
    ])
    expect(late.withheld).toBeNull()
    expect(alerts).toEqual([])
  })
})
