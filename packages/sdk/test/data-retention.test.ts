// Disappearing messages, end to end: a member sets a conversation's timer within the server's
// policy, the server deletes past-timer ciphertext (delivered or not) and every member's
// device, told by an end-to-end-encrypted timer message, deletes its local copies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { CandorError, type DeviceId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore, type LocalStore, type MessageRecord } from '../src/index.ts'
import { FileLocalStore } from '../src/node/index.ts'
import { DataApi } from '../src/data/data-api.ts'
import { retentionResponse } from '../src/data/retention.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'

let server: CandorServer
let store: SqliteStore
let dir: string
const clients: CandorClient[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-retention-'))
  store = SqliteStore.open(join(dir, 'candor.db'))
  server = await createServer({
    store,
    keys: generateServerKeys(),
    logLevel: 'silent',
    retentionSweepMs: 100,
    retentionPolicy: {
      // An organisation's bounds, for this test only: 1 s to 1 min.
      decide: ({ requestedMs }) => {
        if (requestedMs !== null && (requestedMs < 1_000 || requestedMs > 60_000)) throw new CandorError('bad_request', 'outside policy: 1 s to 1 min')
        return requestedMs
      },
    },
  })
})
afterAll(async () => {
  for (const c of clients) c.close()
  await server.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function deviceOptions(local: LocalStore) {
  return { ...options(server.url, local), expirySweepMs: 100 }
}

async function user(id: string, local: LocalStore = new MemoryLocalStore()): Promise<CandorClient> {
  const c = await CandorClient.register(deviceOptions(local), id)
  clients.push(c)
  await c.connect()
  return c
}

async function reopen(local: LocalStore): Promise<CandorClient> {
  const c = (await CandorClient.open(deviceOptions(local)))!
  clients.push(c)
  return c
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(() => null, (err: unknown) => err)
  return e instanceof CandorError ? { code: e.code, message: e.message } : { code: 'none', message: String(e) }
}

function timerOf(c: CandorClient, conv: string): number | null | undefined {
  return c.conversations().find((x) => x.id === conv)?.timer
}

/** Every file under a folder whose bytes contain the text. */
function filesContaining(folder: string, text: string | Uint8Array): string[] {
  const needle = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text)
  const hits: string[] = []
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n)
      if (statSync(p).isDirectory()) walk(p)
      else if (readFileSync(p).includes(needle)) hits.push(p)
    }
  }
  walk(folder)
  return hits
}

/** The ciphertexts the server holds for a group, queued inline or shared, read from its database file. */
function serverCiphertexts(groupId: string): Buffer[] {
  const db = new Database(join(dir, 'candor.db'), { readonly: true, fileMustExist: true })
  try {
    const queued = db.prepare('SELECT payload FROM queue WHERE group_id = ? AND payload IS NOT NULL').pluck().all(groupId) as Buffer[]
    const shared = db.prepare('SELECT payload FROM messages WHERE group_id = ?').pluck().all(groupId) as Buffer[]
    return [...queued, ...shared]
  } finally {
    db.close()
  }
}

/** Files of the server's database (main file, WAL) that still hold any of these byte strings. */
function dbFilesHolding(payloads: readonly Buffer[]): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith('candor.db'))
    .filter((n) => {
      const bytes = readFileSync(join(dir, n))
      return payloads.some((p) => bytes.includes(p))
    })
}

describe('disappearing messages', () => {
  it('bounds the timer by policy, lets only members set it, and deletes undelivered ciphertext past it', async () => {
    const ann = await user('ann')
    const bo = await user('bo')
    const cy = await user('cy')
    const conv = await ann.directConversation('bo')
    const first = nextMessage(bo, (m) => m.text === 'hello')
    await ann.send(conv, 'hello')
    await first

    expect(await ann.disappearingTimer(conv)).toBeNull()
    expect((await failure(ann.setDisappearingTimer(conv, 3600))).code).toBe('bad_request')
    expect((await failure(ann.setDisappearingTimer(conv, 1.5))).code).toBe('bad_request')
    // A non-member: refused by its own device (it could not send the timer message) and by the server.
    expect((await failure(cy.setDisappearingTimer(conv, 5))).code).toBe('not_member')
    const put = new DataApi(cy.api).call(retentionResponse, 'PUT', `/v1/groups/${conv}/retention`, { body: { seconds: 5 } })
    expect((await failure(put)).code).toBe('not_member')
    expect(await ann.disappearingTimer(conv)).toBeNull()

    expect(await bo.setDisappearingTimer(conv, 1)).toBe(1_000)
    expect(await ann.disappearingTimer(conv)).toBe(1_000)

    bo.close()
    await ann.send(conv, 'this will vanish unread')
    const boDevice = bo.deviceId as DeviceId
    await waitFor(async () => (await store.pendingCount(boDevice)) > 0, 'the message to be queued for bo')
    await waitFor(async () => (await store.pendingCount(boDevice)) === 0, 'the sweeper to delete it', 60_000)

    expect(await ann.setDisappearingTimer(conv, null)).toBeNull()
    await ann.send(conv, 'this one stays')
    await new Promise((r) => setTimeout(r, 1_300))
    // The timer-off message and the message after it.
    expect(await store.pendingCount(boDevice)).toBe(2)
  })

  it('the server and both devices delete past-timer messages, delivered or not; a message after the timer is off stays', async () => {
    const homeA = mkdtempSync(join(tmpdir(), 'candor-home-alice-'))
    const homeB = mkdtempSync(join(tmpdir(), 'candor-home-bob-'))
    try {
      const storeB = new FileLocalStore(homeB)
      const alice = await user('alice', new FileLocalStore(homeA))
      let bob = await user('bob', storeB)
      const carol = await user('carol')
      const conv = await alice.directConversation('bob')
      const kept = nextMessage(bob, (m) => m.text === 'before the timer')
      await alice.send(conv, 'before the timer')
      await kept

      // Refused by policy: a clear error, and nothing changes anywhere, nothing is sent.
      const refused = await failure(alice.setDisappearingTimer(conv, 3600))
      expect(refused).toEqual({ code: 'bad_request', message: 'outside policy: 1 s to 1 min' })
      expect((await failure(carol.setDisappearingTimer(conv, 2))).code).toBe('not_member')
      expect(await alice.disappearingTimer(conv)).toBeNull()
      expect(timerOf(alice, conv)).toBeNull()
      const marker = nextMessage(bob, (m) => m.text === 'marker')
      await alice.send(conv, 'marker')
      await marker
      expect((await bob.history(conv)).map((m) => m.text)).toEqual(['before the timer', 'marker'])

      // Alice sets 2 s: the server first, then the timer message; bob learns it end to end.
      const notice = nextMessage(bob, (m) => m.kind === 'timer')
      expect(await alice.setDisappearingTimer(conv, 2)).toBe(2_000)
      const n = await notice
      expect(n).toMatchObject({ kind: 'timer', timerMs: 2_000, from: 'alice', text: 'alice set disappearing messages to 2 seconds' })
      expect(n.expiresAt).toBeUndefined()
      expect(timerOf(bob, conv)).toBe(2_000)
      expect(timerOf(alice, conv)).toBe(2_000)
      expect((await alice.history(conv)).at(-1)).toMatchObject({ kind: 'timer', direction: 'out', timerMs: 2_000 })

      // Delivered while bob is online.
      const ONLINE = 'canary-online-5d1e9a7c'
      const got = nextMessage(bob, (m) => m.text === ONLINE)
      const sent = await alice.send(conv, ONLINE)
      expect(sent.expiresAt).toBe(sent.sentAt + 2_000)
      expect((await got).expiresAt).toBe(sent.sentAt + 2_000)
      // Negative control: the canary is on both devices' disks now.
      expect(filesContaining(homeA, ONLINE)).not.toEqual([])
      expect(filesContaining(homeB, ONLINE)).not.toEqual([])

      // Sent while bob is offline: queued on the server, never delivered.
      bob.close()
      const OFFLINE = 'canary-offline-83b0f2e4'
      await alice.send(conv, OFFLINE)
      await waitFor(async () => (await store.pendingCount(bob.deviceId as DeviceId)) > 0, 'the message to be queued for bob')
      const held = serverCiphertexts(conv)
      expect(held.length).toBeGreaterThan(0)
      // Negative control: its ciphertext is in the server's database files now.
      expect(dbFilesHolding(held)).not.toEqual([])
      // A rewrite of bob's history that crashed before its rename, long ago.
      const leftover = join(homeB, 'logs', `history%2F${conv}.999999999.crashed.tmp`)
      writeFileSync(leftover, JSON.stringify({ text: ONLINE }))
      expect(filesContaining(homeB, ONLINE)).toContain(leftover)

      // Past the timer: no row and no byte of the ciphertext left on the server.
      await waitFor(() => serverCiphertexts(conv).length === 0 && dbFilesHolding(held).length === 0, 'the server to delete the ciphertext', 60_000)
      expect(await store.pendingCount(bob.deviceId as DeviceId)).toBe(0)
      // Alice's running client swept its copies off the disk and out of its history.
      await waitFor(() => filesContaining(homeA, ONLINE).length === 0 && filesContaining(homeA, OFFLINE).length === 0, "alice's device to delete its copies")
      expect((await alice.history(conv)).map((m) => m.text)).toEqual(['before the timer', 'marker', 'alice set disappearing messages to 2 seconds'])

      // Bob's device deletes its copies when it opens again (and drops the crashed rewrite).
      expect(filesContaining(homeB, ONLINE)).not.toEqual([])
      bob = await reopen(new FileLocalStore(homeB))
      expect(filesContaining(homeB, ONLINE)).toEqual([])
      await bob.connect()
      expect((await bob.history(conv)).map((m) => m.text)).toEqual(['before the timer', 'marker', 'alice set disappearing messages to 2 seconds'])
      expect((await bob.inbox()).some((m) => m.text === ONLINE || m.text === OFFLINE)).toBe(false)
      expect(filesContaining(homeB, OFFLINE)).toEqual([])

      // Timer off: what is sent afterwards stays, on the server until delivered and on both devices.
      const off = nextMessage(bob, (m) => m.kind === 'timer')
      expect(await alice.setDisappearingTimer(conv, null)).toBeNull()
      expect((await off).text).toBe('alice turned off disappearing messages')
      expect(timerOf(bob, conv)).toBeNull()
      const STAYS = 'canary-stays-0c4f7b21'
      const stays = nextMessage(bob, (m) => m.text === STAYS)
      const last = await alice.send(conv, STAYS)
      expect(last.expiresAt).toBeUndefined()
      await stays
      await new Promise((r) => setTimeout(r, 2_500))
      for (const c of [alice, bob]) expect((await c.history(conv)).map((m: MessageRecord) => m.text)).toContain(STAYS)
      expect(filesContaining(homeA, STAYS)).not.toEqual([])
      expect(filesContaining(homeB, STAYS)).not.toEqual([])
    } finally {
      rmSync(homeA, { recursive: true, force: true })
      rmSync(homeB, { recursive: true, force: true })
    }
  }, 180_000)

  it('a device that joins later learns the current timer', async () => {
    const dan = await user('dan')
    const erin = await user('erin')
    const fay = await user('fay')
    const conv = await dan.createConversation(['erin'])
    const notice = nextMessage(erin, (m) => m.kind === 'timer')
    expect(await dan.setDisappearingTimer(conv, 60)).toBe(60_000)
    await notice
    const joined = new Promise<void>((resolve) => fay.on('timer', (e) => e.conversation === conv && resolve()))
    await dan.addMembers(conv, ['fay'])
    await joined
    expect(timerOf(fay, conv)).toBe(60_000)
    const got = nextMessage(fay, (m) => m.text === 'welcome, fay')
    const sent = await dan.send(conv, 'welcome, fay')
    expect((await got).expiresAt).toBe(sent.sentAt + 60_000)
  })
})
