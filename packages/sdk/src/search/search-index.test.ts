// Both search indexes, side by side, without a server: the same answers for the same history,
// replacement by id (an edit keeps its place), removal by id and by conversation, and clear.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MessageRecord } from '../message-record.ts'
import { MemoryLocalStore } from '../local-store.ts'
import { SqliteSearchIndex } from '../node/sqlite-search-index.ts'
import { StoredSearchIndex } from './stored-search-index.ts'
import { queryTerms } from './search-index.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-search-index-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const rec = (i: number, text: string, conversation = 'c1'): MessageRecord => ({ id: `m${i}`, conversation, from: 'u', fromDevice: 'd', text, sentAt: 1000 + i, receivedAt: 1000 + i, direction: 'in' })
const ids = (ms: MessageRecord[]) => ms.map((m) => m.id)

describe.each([
  ['StoredSearchIndex', () => new StoredSearchIndex(new MemoryLocalStore())],
  ['SqliteSearchIndex', () => new SqliteSearchIndex(join(dir, `${Math.random()}.db`))],
])('%s', (_name, make) => {
  it('answers, replaces, removes and clears', async () => {
    const index = make()
    expect(await index.ready()).toBe(false)
    await index.add([rec(1, 'Café au lait'), rec(2, 'the cafeteria is closed'), rec(3, 'closed on Sunday', 'c2'), rec(4, 'naïve question')])
    expect(await index.ready()).toBe(true)
    expect(ids(await index.search('cafe', 10))).toEqual(['m2', 'm1'])
    expect(ids(await index.search('CAFÉ LAIT', 10))).toEqual(['m1'])
    expect(ids(await index.search('closed', 1))).toEqual(['m3'])
    expect(ids(await index.search('naive', 10))).toEqual(['m4'])
    expect(await index.search('"closed" OR *', 10)).toEqual([])
    // Replaced by id (an edit): the old words are gone, the place kept.
    await index.add([rec(2, 'the canteen is open')])
    expect(ids(await index.search('cafeteria', 10))).toEqual([])
    expect(ids(await index.search('canteen', 10))).toEqual(['m2'])
    await index.remove(['m1', 'nope'])
    expect(ids(await index.search('cafe', 10))).toEqual([])
    await index.removeConversation('c2')
    expect(ids(await index.search('closed', 10))).toEqual([])
    await index.clear()
    expect(await index.ready()).toBe(false)
    expect(await index.search('canteen', 10)).toEqual([])
  })
})

it('reads at most 16 distinct terms from the first 256 characters of a query', () => {
  expect(queryTerms('a a b')).toEqual(['a', 'b'])
  expect(queryTerms(Array.from({ length: 30 }, (_, i) => `w${i}`).join(' '))).toHaveLength(16)
  expect(queryTerms(`${'x'.repeat(300)} tail`)).toEqual(['x'.repeat(256)])
})
