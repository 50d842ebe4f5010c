// After a conversation, no message text appears anywhere in the server's database files or logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync, rmSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { CandorClient } from '../src/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'

const CANARIES = ['CANARY-7f3a9c-the-eagle-lands-at-dawn', 'CANARY-b21e-überweisung-€1000', 'CANARY-group-secret-42']
/** A display name (sent in profile messages) and a search made on a device: neither may reach the server either. */
const NAME = 'CANARY-name-Zelda-Quixote'
const SEARCHED = 'canarysearchtermokapi'

describe('plaintext canary', () => {
  let dir: string
  let server: CandorServer
  let store: SqliteStore
  const clients: CandorClient[] = []
  const logPath = () => join(dir, 'server.log')

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-canary-'))
    store = SqliteStore.open(join(dir, 'db', 'candor.db'))
    server = await createServer({ store, keys: generateServerKeys(), logLevel: 'trace', logDestination: createWriteStream(logPath()) })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await server.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('leaves no canary in the database files or the logs', async () => {
    const users = []
    for (const u of ['alice', 'bob', 'carol']) {
      const c = await CandorClient.register(options(server.url), u)
      clients.push(c)
      await c.connect()
      users.push(c)
    }
    const [alice, bob, carol] = users as [CandorClient, CandorClient, CandorClient]
    await alice.setDisplayName(NAME)
    const direct = await alice.directConversation('bob')
    const got = nextMessage(bob, (m) => m.text === CANARIES[0])
    await alice.send(direct, CANARIES[0]!)
    await got
    await waitFor(() => bob.displayNameOf('alice') === NAME, 'bob to learn alice’s display name')
    expect(await bob.search(`${SEARCHED} eagle`)).toEqual([])
    expect(await bob.search('eagle lands')).toHaveLength(1)
    await bob.send(direct, CANARIES[1]!)
    const group = await alice.createConversation(['bob', 'carol'])
    await waitFor(() => carol.conversations().some((c) => c.id === group), 'carol to join')
    const inGroup = nextMessage(carol, (m) => m.text === CANARIES[2])
    await bob.send(group, CANARIES[2]!)
    await inGroup
    // Leave one message undelivered so it sits in the queue on disk.
    carol.close()
    await alice.send(group, `${CANARIES[2]} queued`)
    await new Promise((r) => setTimeout(r, 200))

    const files = [...readdirSync(join(dir, 'db')).map((f) => join(dir, 'db', f)), logPath()]
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true)
    const haystacks = files.map((f) => readFileSync(f))
    // Negative control: the search does find what the server legitimately stores.
    expect(haystacks.some((h) => h.includes(Buffer.from('carol')))).toBe(true)
    expect(readFileSync(logPath(), 'utf8').length).toBeGreaterThan(0)
    for (const canary of [...CANARIES, NAME, SEARCHED]) {
      for (const [i, h] of haystacks.entries()) {
        expect(h.includes(Buffer.from(canary, 'utf8')), `${canary} found in ${files[i]}`).toBe(false)
        expect(h.includes(Buffer.from(canary, 'utf16le')), `${canary} (UTF-16) found in ${files[i]}`).toBe(false)
      }
    }
  })
})
