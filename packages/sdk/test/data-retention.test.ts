// Disappearing messages on the server: a member sets a conversation's timer within the
// server's policy, and ciphertext older than the timer is deleted even if never delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { CandorError, type DeviceId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'

let server: CandorServer
let store: SqliteStore
let dir: string
const clients: CandorClient[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-retention-'))
  store = SqliteStore.open(join(dir, 'candor.db'))
  server = await createServer({ store, logLevel: 'silent', retentionSweepMs: 100, retentionPolicy: {
      // An organisation's bounds: 1 s to 1 min.
      decide: ({ requestedMs }) => {
        if (requestedMs !== null && (requestedMs < 1_000 || requestedMs > 60_000)) throw new CandorError('bad_request', 'outside policy')
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

async function user(id: string): Promise<CandorClient> {
  const c = await CandorClient.register(options(server.url, new MemoryLocalStore()), id)
  clients.push(c)
  await c.connect()
  return c
}

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err)
  return e instanceof CandorError ? e.code : 'none'
}

describe('disappearing messages (server side)', () => {
  it('deletes undelivered ciphertext past the timer; the timer is bounded by policy and set by members only', async () => {
    const ann = await user('ann')
    const bo = await user('bo')
    const cy = await user('cy')
    const conv = await ann.directConversation('bo')
    const first = nextMessage(bo, (m) => m.text === 'hello')
    await ann.send(conv, 'hello')
    await first

    expect(await ann.disappearingTimer(conv)).toBeNull()
    expect(await code(ann.setDisappearingTimer(conv, 3600))).toBe('bad_request')
    expect(await code(cy.setDisappearingTimer(conv, 5))).toBe('not_member')
    expect(await bo.setDisappearingTimer(conv, 1)).toBe(1_000)
    expect(await ann.disappearingTimer(conv)).toBe(1_000)

    bo.close()
    await ann.send(conv, 'this will vanish unread')
    const boDevice = bo.deviceId as DeviceId
    await waitFor(async () => (await store.pendingCount(boDevice)) > 0, 'the message to be queued for bo')
    await waitFor(async () => (await store.pendingCount(boDevice)) === 0, 'the sweeper to delete it', 5_000)

    expect(await ann.setDisappearingTimer(conv, null)).toBeNull()
    await ann.send(conv, 'this one stays')
    await new Promise((r) => setTimeout(r, 1_300))
    expect(await store.pendingCount(boDevice)).toBe(1)
  })
})
