// Full-text search on the device (issue 15 "Search"), through a real server: the web's index
// (StoredSearchIndex over the device's store) and the Node one (SQLite FTS5) find what was
// said, newest first; a message that disappears or a conversation erased from the device
// leaves the index with it, nothing of it in the index's bytes; an index built later from
// the history finds the same; and no search term ever reaches the server's database or logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { CandorClient, MemoryLocalStore, StoredSearchIndex } from '../src/index.ts'
import { SqliteSearchIndex } from '../src/node/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'

let dir: string
let server: CandorServer
let store: SqliteStore
const clients: CandorClient[] = []
const logPath = () => join(dir, 'server.log')

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-search-'))
  store = SqliteStore.open(join(dir, 'db', 'candor.db'))
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'trace', logDestination: createWriteStream(logPath()),
    retentionSweepMs: 100,
    // For this test: timers from 1 s.
    retentionPolicy: { decide: ({ requestedMs }) => requestedMs },
  })
})
afterAll(async () => {
  for (const c of clients) c.close()
  await server.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

async function user(id: string, local: MemoryLocalStore, searchIndex: StoredSearchIndex | SqliteSearchIndex): Promise<CandorClient> {
  const c = await CandorClient.register({ ...options(server.url, local), searchIndex, expirySweepMs: 100 }, id)
  clients.push(c)
  await c.connect()
  return c
}

/** Every value the store holds (keys and logs), as one string to search. */
async function storeText(s: MemoryLocalStore): Promise<string> {
  const keys = await s.keys('')
  return (await Promise.all(keys.map(async (k) => `${k}=${await s.get(k)}`))).join('\n')
}

const texts = (ms: Array<{ text: string }>) => ms.map((m) => m.text)

describe('search', () => {
  it('finds messages on both kinds of index; disappearing and erased ones leave it; terms never reach the server', async () => {
    const aliceStore = new MemoryLocalStore()
    const alice = await user('alice', aliceStore, new StoredSearchIndex(aliceStore))
    const bobIndexPath = join(dir, 'bob', 'search.db')
    const bob = await user('bob', new MemoryLocalStore(), new SqliteSearchIndex(bobIndexPath))
    const conv = await alice.directConversation('bob')
    const said = ['Die Überweisung von €1000 ist da', 'lunch at noon?', 'the quarterly report is late', 'REPORT-ZEBRA-7741 final']
    for (const [i, t] of said.entries()) {
      const got = nextMessage(i % 2 === 0 ? bob : alice, (m) => m.text === t)
      await (i % 2 === 0 ? alice : bob).send(conv, t)
      await got
      await new Promise((r) => setTimeout(r, 5))
    }
    for (const c of [alice, bob]) {
      // Accents and case ignored, words matched by prefix, every word required, newest first.
      expect(texts(await c.search('uberweis'))).toEqual([said[0]])
      expect(texts(await c.search('report'))).toEqual([said[3], said[2]])
      expect(texts(await c.search('quarterly REP'))).toEqual([said[2]])
      expect(texts(await c.search('quarterly lunch'))).toEqual([])
      expect(await c.search('   ')).toEqual([])
      // Query syntax is never read as syntax.
      expect(texts(await c.search('"report" OR NEAR(x'))).toEqual([])
      const [hit] = await c.search('zebra')
      expect(hit).toMatchObject({ conversation: conv, from: 'bob', text: said[3] })
      expect(await c.search('report', 1)).toHaveLength(1)
    }

    // Disappearing messages leave the index with them.
    expect(await alice.setDisappearingTimer(conv, 1)).toBe(1_000)
    await waitFor(async () => (await bob.disappearingTimer(conv)) === 1_000, 'bob to learn the timer')
    const secret = 'VANISHING-okapi-canary'
    const got = nextMessage(bob, (m) => m.text === secret)
    await alice.send(conv, secret)
    await got
    expect(texts(await bob.search('okapi'))).toEqual([secret])
    await waitFor(async () => (await bob.search('okapi')).length === 0 && (await alice.search('okapi')).length === 0, 'the message to disappear', 60_000)
    // Its files (database, write-ahead log) keep nothing of it once the sweep removed it.
    const bobFiles = () => readdirSync(join(dir, 'bob')).map((f) => readFileSync(join(dir, 'bob', f)))
    await waitFor(() => bobFiles().every((b) => !b.includes(Buffer.from('okapi'))), 'the sqlite index to drop the word', 60_000)
    // Search hides an expired message at once; the sweep takes it out of the sealed index soon after.
    await waitFor(async () => !(await storeText(aliceStore)).includes('okapi'), 'the sealed index to drop the word', 60_000)
    // Negative control: the same bytes do hold a word still indexed.
    expect(readFileSync(bobIndexPath).includes(Buffer.from('zebra'))).toBe(true)
    expect(await storeText(aliceStore)).toContain('zebra')

    // A conversation hidden stays searchable; erased from the device, it leaves the index.
    await alice.hideConversation(conv)
    expect(alice.conversations().map((c) => c.id)).not.toContain(conv)
    expect(await alice.search('zebra')).toHaveLength(1)
    await alice.hideConversation(conv, { erase: true })
    expect(await alice.search('zebra')).toEqual([])
    expect(await alice.history(conv)).toEqual([])
    expect(await storeText(aliceStore)).not.toContain('ZEBRA')
    expect(await storeText(aliceStore)).not.toContain('zebra')
    // Its next message brings it back to the list.
    const back = nextMessage(alice, (m) => m.text === 'still there?')
    await bob.send(conv, 'still there?')
    await back
    expect(alice.conversations().map((c) => c.id)).toContain(conv)

    // No search term reached the server: not its database files, not its logs.
    await new Promise((r) => setTimeout(r, 200))
    const files = [...readdirSync(join(dir, 'db')).map((f) => join(dir, 'db', f)), logPath()]
    const hay = files.map((f) => readFileSync(f))
    expect(hay.some((h) => h.includes(Buffer.from('bob')))).toBe(true)
    for (const term of ['uberweis', 'quarterly', 'zebra', 'okapi', 'NEAR(x']) {
      for (const [i, h] of hay.entries()) expect(h.includes(Buffer.from(term)), `${term} in ${files[i]}`).toBe(false)
    }
  }, 180_000)

  it('builds the index from the history a device already holds', async () => {
    const local = new MemoryLocalStore()
    const carol = await user('carol', local, new StoredSearchIndex(new MemoryLocalStore()))
    const dave = await user('dave', new MemoryLocalStore(), new StoredSearchIndex(new MemoryLocalStore()))
    const conv = await carol.directConversation('dave')
    await waitFor(() => dave.conversations().some((c) => c.id === conv), 'dave to join')
    const got = nextMessage(carol, (m) => m.text === 'the pangolin arrives tuesday')
    await dave.send(conv, 'the pangolin arrives tuesday')
    await got
    carol.close()
    // The same device opened again with an index that never saw the message.
    const indexPath = join(dir, 'carol-later', 'search.db')
    const again = await CandorClient.open({ ...options(server.url, local), searchIndex: new SqliteSearchIndex(indexPath) })
    clients.push(again!)
    expect(texts(await again!.search('pangol tues'))).toEqual(['the pangolin arrives tuesday'])
    // Without an index, search reads the history: the same answer.
    const plain = await CandorClient.open(options(server.url, local))
    clients.push(plain!)
    expect(texts(await plain!.search('PANGOLIN'))).toEqual(['the pangolin arrives tuesday'])
  })
})
