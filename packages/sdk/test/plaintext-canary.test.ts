// After a conversation, no message text, attachment (name or contents), reaction, conversation
// name or topic, display name, avatar (picture or thumbnail) or search term appears anywhere in the server's database files, blob folder or logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeHits, filesUnder, scanForPlaintext } from '@candor/testkit/plaintext-scan'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import { CandorClient } from '../src/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'

const CANARIES = ['CANARY-7f3a9c-the-eagle-lands-at-dawn', 'CANARY-b21e-überweisung-€1000', 'CANARY-group-secret-42']
/** A display name (sent in profile messages) and a search made on a device: neither may reach the server either. */
const NAME = 'CANARY-name-Zelda-Quixote'
const SEARCHED = 'canarysearchtermokapi'
/** A picture and its thumbnail (profile avatar): as bytes, and as the base64url the content carries. */
const PICTURE = 'CANARY-avatar-picture-Zelda'
const THUMB = 'CANARY-avatar-thumb-Zelda'
const GROUP_THUMB = 'CANARY-group-picture-Zelda'
const b64 = (s: string) => Buffer.from(s).toString('base64url')
/** An attachment's name and contents, a reaction (one grapheme, 25 bytes: no chance match) and a conversation's name and topic. */
const FILE_NAME = 'CANARY-file-name-quarterly-plan.pdf'
const FILE_BODY = 'CANARY-file-contents-merger-terms'
const REACTION = '👩‍👩‍👧‍👦'
const GROUP_NAME = 'CANARY-group-name-Project-Heron'
const GROUP_TOPIC = 'CANARY-group-topic-layoffs'

describe('plaintext canary', () => {
  let dir: string
  let server: CandorServer
  let store: SqliteStore
  let blobs: FolderBlobStore
  const clients: CandorClient[] = []
  const logPath = () => join(dir, 'server.log')

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-canary-'))
    store = SqliteStore.open(join(dir, 'db', 'candor.db'))
    blobs = await FolderBlobStore.open(join(dir, 'blobs'))
    server = await createServer({ store, blobs, keys: generateServerKeys(), logLevel: 'trace', logDestination: createWriteStream(logPath()) })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await server.close()
    await store.close()
    await blobs.close()
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
    const thumbnail = { mediaType: 'image/webp', width: 64, height: 64, data: b64(THUMB.repeat(30)) }
    await alice.setAvatar({ mediaType: 'image/png', data: b64(PICTURE.repeat(100)), thumbnail })
    await waitFor(() => bob.avatarOf('alice')?.data === thumbnail.data, 'bob to learn alice’s picture')
    expect(await bob.search(`${SEARCHED} eagle`)).toEqual([])
    expect(await bob.search('eagle lands')).toHaveLength(1)
    await bob.send(direct, CANARIES[1]!)
    const group = await alice.createConversation(['bob', 'carol'])
    await waitFor(() => carol.conversations().some((c) => c.id === group), 'carol to join')
    const inGroup = nextMessage(carol, (m) => m.text === CANARIES[2])
    await bob.send(group, CANARIES[2]!)
    await inGroup
    const groupPicture = { mediaType: 'image/webp', width: 32, height: 32, data: b64(GROUP_THUMB.repeat(30)) }
    await alice.features.setAvatar(group, groupPicture)
    await waitFor(() => carol.features.info(group).avatar?.data === groupPicture.data, 'carol to see the group’s picture')
    // A file, a reaction and the group's name and topic: carried end to end like the text.
    const fileIn = nextMessage(carol, (m) => m.attachments?.[0]?.name === FILE_NAME)
    await alice.sendFile(group, { name: FILE_NAME, type: 'application/pdf', bytes: new TextEncoder().encode(FILE_BODY.repeat(500)), text: '' })
    const received = await fileIn
    expect(new TextDecoder().decode(await carol.downloadAttachment(received))).toBe(FILE_BODY.repeat(500))
    await carol.features.react(group, received.id, REACTION)
    await alice.features.rename(group, GROUP_NAME)
    await alice.features.setTopic(group, GROUP_TOPIC)
    await waitFor(() => carol.features.info(group).topic === GROUP_TOPIC, 'carol to see the group’s name and topic')
    await waitFor(async () => Object.keys((await alice.history(group)).find((m) => m.id === received.id)?.reactions ?? {}).includes(REACTION), 'alice to see carol’s reaction')
    // Leave one message undelivered so it sits in the queue on disk.
    carol.close()
    await alice.send(group, `${CANARIES[2]} queued`)
    await new Promise((r) => setTimeout(r, 200))

    const files = filesUnder(join(dir, 'db'), join(dir, 'blobs'), logPath())
    expect(files.some((f) => f.endsWith('.blob'))).toBe(true)
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true)
    expect(readFileSync(logPath(), 'utf8').length).toBeGreaterThan(0)
    const secrets = [...CANARIES, FILE_NAME, FILE_BODY, REACTION, GROUP_NAME, GROUP_TOPIC, NAME, SEARCHED, PICTURE, THUMB, b64(PICTURE.repeat(2)).slice(0, 32), b64(THUMB.repeat(2)).slice(0, 32), GROUP_THUMB, b64(GROUP_THUMB.repeat(2)).slice(0, 32)]
    // Control: the scan does find what the server legitimately stores (a user id, in the database and the log).
    const scan = scanForPlaintext({ files, secrets, controls: ['carol'] })
    expect(scan.controls['carol']).toContain(logPath())
    expect(scan.controls['carol']!.some((f) => f.includes(`${join(dir, 'db')}`))).toBe(true)
    expect(scan.skipped).toEqual([])
    expect(scan.hits, describeHits(scan.hits)).toEqual([])
  })
})
