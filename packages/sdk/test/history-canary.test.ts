// The canary extended to history transfers and backups (docs/protocol.md §4.2): after a device
// sends its history to a new device and backs it up under the recovery key, and a wiped person
// recovers it, no message text appears in the server's database files, blob folder or logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeHits, filesUnder, scanForPlaintext } from '@candor/testkit/plaintext-scan'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options } from './dev-env.ts'

const CANARIES = ['CANARY-hist-5c1e-the-heron-waits', 'CANARY-backup-ä€-kontonummer-9931']

describe('plaintext canary: history transfers and backups', () => {
  let dir: string
  let server: CandorServer
  let store: SqliteStore
  let blobs: FolderBlobStore
  const clients: CandorClient[] = []
  const logPath = () => join(dir, 'server.log')

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-history-canary-'))
    store = SqliteStore.open(join(dir, 'db', 'candor.db'))
    blobs = await FolderBlobStore.open(join(dir, 'blobs'))
    server = await createServer({ store, blobs, keys: generateServerKeys(), logLevel: 'trace', logDestination: createWriteStream(logPath()) })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await server.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('leaves no canary in the database, the blob folder or the logs', async () => {
    const home = new MemoryLocalStore()
    const alice = await CandorClient.register(options(server.url, home), 'alice')
    const bob = await CandorClient.register(options(server.url), 'bob')
    clients.push(alice, bob)
    await alice.connect()
    await bob.connect()
    const conv = await alice.directConversation('bob')
    const got = nextMessage(bob, (m) => m.text === CANARIES[1])
    await alice.send(conv, CANARIES[0]!)
    await alice.send(conv, CANARIES[1]!)
    await got

    // A transfer to a new device, received; a second one left on the server, never received.
    const laptop = await CandorClient.enrol(options(server.url), 'alice', 'laptop')
    clients.push(laptop)
    const approved = laptop.waitForApproval()
    await alice.approve(laptop.deviceId, { history: { since: null } })
    await approved
    expect((await laptop.receiveHistory()).messages).toBe(2)
    const tablet = await CandorClient.enrol(options(server.url), 'alice', 'tablet')
    clients.push(tablet)
    const tabletApproved = tablet.waitForApproval()
    await alice.approve(tablet.deviceId, { history: { since: null } })
    await tabletApproved

    // A backup, and a recovery from it.
    const { secret } = await alice.setUpRecovery()
    expect((await alice.backUpHistory()).messages).toBe(2)
    const { client: phone, restored } = await CandorClient.recover(options(server.url, new MemoryLocalStore()), 'alice', secret)
    clients.push(phone)
    expect(restored.messages).toBe(2)
    expect((await phone.history(conv)).map((m) => m.text)).toEqual(CANARIES)
    await new Promise((r) => setTimeout(r, 200))

    const files = [...filesUnder(join(dir, 'db')), ...filesUnder(join(dir, 'blobs')), logPath()]
    const blobFiles = filesUnder(join(dir, 'blobs'))
    // The archives are there (a transfer not yet received, and the backup).
    expect(blobFiles.length).toBeGreaterThanOrEqual(2)
    // Control: the scan finds what the server does store (a device's name); the recovery secret is a secret too.
    const scan = scanForPlaintext({ files, secrets: [...CANARIES, secret], controls: ['laptop'] })
    expect(scan.skipped).toEqual([])
    expect(scan.hits, describeHits(scan.hits)).toEqual([])
  })
})
