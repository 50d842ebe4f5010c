// Access receipts end to end: an access through the server's gate, then the subject's own
// client fetches the receipt, checks its inclusion proof against a signed checkpoint that is
// consistent with what it saw before, opens it with its device key and shows who/what/why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import type { UserId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { options } from './dev-env.ts'

let server: CandorServer
let store: SqliteStore
let dir: string
let clock = Date.now()
const clients: CandorClient[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-receipts-'))
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', accessClock: () => clock })
})
afterAll(async () => {
  for (const c of clients) c.close()
  await server.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

async function user(id: string, local = new MemoryLocalStore()): Promise<CandorClient> {
  const c = await CandorClient.register(options(server.url, local), id)
  clients.push(c)
  return c
}

function access(subject: string, extra: { delayedUntil?: number; caseRef?: string } = {}) {
  return server.context.access.access(
    {
      accessor: { userId: 'root' as UserId, role: 'operator', org: 'candor-ops' },
      subject: subject as UserId,
      categories: ['account_metadata', 'device_list'],
      resources: [`user:${subject}`],
      justification: 'security_investigation',
      caseRef: extra.caseRef ?? 'INC-42',
      ...(extra.delayedUntil ? { delayedUntil: extra.delayedUntil } : {}),
    },
    async () => 'done',
  )
}

describe('access receipts through a real client', () => {
  it('shows the subject a verified, decrypted receipt of each access, and nothing to others', async () => {
    const dana = await user('dana')
    const eve = await user('eve')
    await dana.observeAccessLog()
    await access('dana')
    const receipts = await dana.accessReceipts()
    expect(receipts).toHaveLength(1)
    const r = receipts[0]!.receipt!
    expect(r.subject).toBe('dana')
    expect(r.accessor).toEqual({ role: 'operator', pseudonym: server.context.access.pseudonym('root' as UserId), org: 'candor-ops' })
    expect(r.what.categories).toEqual(['account_metadata', 'device_list'])
    expect(r.why).toEqual({ code: 'security_investigation', caseRef: 'INC-42' })
    expect(r.notice).toEqual({ approvedBySubject: false, notified: true, delayedUntil: null })
    expect(r.accessor.pseudonym).not.toContain('root')
    expect(await eve.accessReceipts()).toEqual([])
  })

  it('reveals a delayed receipt on its date and proves it was in the log before', async () => {
    const fay = await user('fay')
    const day = 24 * 3600_000
    await access('fay', { delayedUntil: clock + 10 * day, caseRef: 'HOLD-7' })
    // The device looks at the log (as it does routinely) while the notice is still delayed.
    const { size } = await fay.observeAccessLog()
    const observedAt = Date.now()
    expect(await fay.accessReceipts()).toEqual([])
    clock += 11 * day
    await access('fay', { caseRef: 'LATER' })
    const receipts = await fay.accessReceipts()
    expect(receipts.map((r) => r.receipt?.why.caseRef)).toEqual(['HOLD-7', 'LATER'])
    const held = receipts[0]!
    expect(held.index).toBeLessThan(size)
    expect(held.receipt!.notice).toMatchObject({ notified: false, delayedUntil: held.receipt!.loggedAt + 10 * day })
    expect(held.inLogSince).not.toBeNull()
    expect(held.inLogSince!).toBeLessThanOrEqual(observedAt)
    expect(receipts[1]!.inLogSince).toBeNull()
  })

  it('refuses a checkpoint from a log that is not the pinned one', async () => {
    const gil = await user('gil')
    await gil.observeAccessLog()
    const otherStore = SqliteStore.open(':memory:')
    const other = await createServer({ store: otherStore, keys: generateServerKeys(), logLevel: 'silent' })
    try {
      const info = (await (await fetch(`${other.url}/v1/access-log`)).json()) as { checkpoint: string }
      const fetchOrig = globalThis.fetch
      globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
        const res = await fetchOrig(input, init)
        if (String(input).endsWith('/v1/access-log')) return new Response(JSON.stringify({ ...(await res.json()), checkpoint: info.checkpoint }))
        return res
      }) as typeof fetch
      try {
        await expect(gil.observeAccessLog()).rejects.toMatchObject({ code: 'receipt_invalid' })
      } finally {
        globalThis.fetch = fetchOrig
      }
    } finally {
      await other.close()
      await otherStore.close()
    }
  })

  it('detects a log that rolled back', async () => {
    const local = new MemoryLocalStore()
    const hal = await user('hal', local)
    await access('hal')
    await hal.observeAccessLog()
    const seen = JSON.parse((await local.get('access/checkpoints'))!) as Array<{ size: number; root: string; seenAt: number }>
    seen.push({ size: seen.at(-1)!.size + 100, root: seen.at(-1)!.root, seenAt: Date.now() })
    await local.put('access/checkpoints', JSON.stringify(seen))
    await expect(hal.accessReceipts()).rejects.toMatchObject({ code: 'receipt_invalid' })
  })
})
