// Attachment blobs through a real server (docs/protocol.md §2.4), acting as the uploader, another
// member, a non-member, a stranger and a revoked device: resumable uploads at the server's
// offset, downloads with Range, the per-user quota, the sweep of abandoned uploads and of blobs
// whose group has no members, and erasure and export of the uploader's account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LIMITS, newGroupId, newMessageId, randomBytes, type GroupId } from '@candor/protocol'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import type { BlobId } from '@candor/ports'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { http, httpBytes, rawDeleteAccount, rawRegister, type RawDevice } from './raw-client.ts'
import { mlsMessage } from './authorization-matrix.ts'

const QUOTA = 64 * 1024
const TTL = 60_000
let dir: string
let store: SqliteStore
let blobs: FolderBlobStore
let server: CandorServer
let alice: RawDevice
let amy: RawDevice
let bob: RawDevice
let group: GroupId
let n = 0

async function groupOf(owner: RawDevice, others: RawDevice[]): Promise<GroupId> {
  const g = newGroupId()
  expect((await http(server.url, 'POST', '/v1/groups', { groupId: g }, owner.token)).status).toBe(201)
  if (others.length > 0) {
    await store.acceptCommit({ groupId: g, epoch: 0, sender: owner.deviceId, messageId: newMessageId(), sentAt: Date.now(), commit: mlsMessage(g, 0, 3), welcome: new Uint8Array([0, 1, 0, 3]), added: others.map((o) => o.deviceId), removed: [] })
    server.context.roster.changed(g)
  }
  return g
}

const create = (as: RawDevice, g: GroupId, size: number) => http(server.url, 'POST', `/v1/groups/${g}/blobs`, { size }, as.token)
const put = (as: RawDevice, id: string, offset: number | string, bytes: Uint8Array) => httpBytes(server.url, 'PUT', `/v1/blobs/${id}?offset=${offset}`, bytes, as.token)
const complete = (as: RawDevice, id: string) => http(server.url, 'POST', `/v1/blobs/${id}/complete`, {}, as.token)
const content = (as: RawDevice, id: string, range?: string) => httpBytes(server.url, 'GET', `/v1/blobs/${id}/content`, undefined, as.token, range ? { range } : {})

async function uploaded(as: RawDevice, g: GroupId, bytes: Uint8Array): Promise<string> {
  const made = await create(as, g, bytes.length)
  expect(made.status, JSON.stringify(made.json)).toBe(201)
  const id = made.json.blobId as string
  expect((await put(as, id, 0, bytes)).json).toEqual({ received: bytes.length })
  expect((await complete(as, id)).status).toBe(200)
  return id
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-blob-routes-'))
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  blobs = await FolderBlobStore.open(join(dir, 'blobs'))
  server = await createServer({ store, blobs, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 100_000, blobQuotaBytes: QUOTA, blobUploadTtlMs: TTL, blobSweepMs: 3_600_000 })
  alice = await rawRegister(server.url, `blob-alice-${++n}`)
  amy = await rawRegister(server.url, `blob-amy-${n}`)
  bob = await rawRegister(server.url, `blob-bob-${n}`)
  group = await groupOf(alice, [amy])
})

afterAll(async () => {
  await server?.close()
  await store?.close()
  await blobs?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('uploads and downloads', () => {
  it('uploads in pieces at the offset the server says, resumes after a repeated piece, and every member reads it', async () => {
    const bytes = randomBytes(10_000)
    const made = await create(alice, group, bytes.length)
    expect(made.status).toBe(201)
    expect(made.json).toMatchObject({ groupId: group, size: 10_000, received: 0, complete: false })
    const id = made.json.blobId as string
    expect((await put(alice, id, 0, bytes.subarray(0, 4000))).json).toEqual({ received: 4000 })
    // The answer to the next piece was "lost" and the piece is sent again: refused, with where to resume.
    expect((await put(alice, id, 4000, bytes.subarray(4000, 6000))).json).toEqual({ received: 6000 })
    const again = await put(alice, id, 4000, bytes.subarray(4000, 6000))
    expect(again.status).toBe(409)
    expect(again.json.error).toMatchObject({ code: 'wrong_offset', details: { received: 6000 } })
    expect((await http(server.url, 'GET', `/v1/blobs/${id}`, undefined, amy.token)).json).toMatchObject({ received: 6000, complete: false })
    expect((await content(amy, id)).json.error?.code).toBe('blob_incomplete')
    expect((await complete(alice, id)).json.error?.code).toBe('blob_incomplete')
    expect((await put(alice, id, 6000, bytes.subarray(6000))).json).toEqual({ received: 10_000 })
    expect((await complete(alice, id)).json).toMatchObject({ complete: true, size: 10_000 })

    for (const reader of [alice, amy]) {
      const r = await content(reader, id)
      expect(r.status).toBe(200)
      expect(r.bytes).toEqual(bytes)
    }
    // A download resumed from byte 7000, and one range.
    const rest = await content(amy, id, 'bytes=7000-')
    expect(rest.status).toBe(206)
    expect(rest.headers.get('content-range')).toBe('bytes 7000-9999/10000')
    expect(rest.bytes).toEqual(bytes.subarray(7000))
    expect((await content(amy, id, 'bytes=10-19')).bytes).toEqual(bytes.subarray(10, 20))
    expect((await content(amy, id, 'bytes=10000-')).json.error?.code).toBe('bad_request')
    expect((await content(amy, id, 'bytes=1-2,5-6')).json.error?.code).toBe('bad_request')
  })

  it('refuses bad input with a clear error, changing nothing', async () => {
    const made = await create(alice, group, 100)
    const id = made.json.blobId as string
    for (const size of [0, -1, 1.5, '10']) expect((await create(alice, group, size as number)).json.error?.code).toBe('bad_request')
    const tooBig = await create(alice, group, LIMITS.blobBytes + 1)
    expect(tooBig.status).toBe(413)
    expect(tooBig.json.error?.code).toBe('body_too_large')
    for (const offset of ['-1', '01', 'x', '']) expect((await put(alice, id, offset, randomBytes(4))).json.error?.code).toBe('bad_request')
    expect((await put(alice, id, 0, new Uint8Array(0))).json.error?.code).toBe('bad_request')
    expect((await put(alice, id, 0, randomBytes(101))).json.error?.code).toBe('body_too_large')
    expect((await http(server.url, 'PUT', `/v1/blobs/${id}?offset=0`, { not: 'bytes' }, alice.token)).json.error?.code).toBe('bad_request')
    const huge = await put(alice, id, 0, new Uint8Array(LIMITS.blobRequestBytes + 1))
    expect(huge.status).toBe(413)
    expect((await http(server.url, 'GET', `/v1/blobs/${id}`, undefined, alice.token)).json).toMatchObject({ received: 0 })
    expect((await http(server.url, 'GET', '/v1/blobs/not-an-id', undefined, alice.token)).json.error?.code).toBe('bad_request')
    expect((await http(server.url, 'GET', `/v1/blobs/${newMessageId()}`, undefined, alice.token)).json.error?.code).toBe('not_found')
  })
})

describe('who may do what', () => {
  let id: string
  let open: string
  beforeAll(async () => {
    id = await uploaded(alice, group, randomBytes(50))
    open = (await create(alice, group, 50)).json.blobId as string
  })

  it('a non-member (another user) can neither create in the group, nor write, read or complete its blobs', async () => {
    expect((await create(bob, group, 10)).json.error?.code).toBe('not_member')
    expect((await put(bob, open, 0, randomBytes(5))).json.error?.code).toBe('not_member')
    expect((await complete(bob, open)).json.error?.code).toBe('not_member')
    expect((await http(server.url, 'GET', `/v1/blobs/${id}`, undefined, bob.token)).json.error?.code).toBe('not_member')
    const r = await content(bob, id)
    expect(r.status).toBe(403)
    expect(r.json.error?.code).toBe('not_member')
    expect((await http(server.url, 'GET', `/v1/blobs/${open}`, undefined, alice.token)).json).toMatchObject({ received: 0 })
  })

  it('another member reads but may not write or complete the uploader’s blob', async () => {
    expect((await put(amy, open, 0, randomBytes(5))).json.error?.code).toBe('forbidden')
    expect((await complete(amy, open)).json.error?.code).toBe('forbidden')
    expect((await content(amy, id)).status).toBe(200)
  })

  it('a stranger (no token) and a revoked device get nothing', async () => {
    const r = await httpBytes(server.url, 'GET', `/v1/blobs/${id}/content`, undefined)
    expect(r.json.error?.code).toBe('unauthenticated')
    expect((await httpBytes(server.url, 'PUT', `/v1/blobs/${open}?offset=0`, randomBytes(5))).json.error?.code).toBe('unauthenticated')
    const rita = await rawRegister(server.url, `blob-rita-${n}`)
    const g = await groupOf(rita, [alice])
    const hers = await uploaded(rita, g, randomBytes(20))
    const started = (await create(rita, g, 20)).json.blobId as string
    expect((await http(server.url, 'DELETE', `/v1/devices/${rita.deviceId}`, undefined, rita.token)).status).toBe(200)
    expect((await content(rita, hers)).json.error?.code).toBe('device_revoked')
    expect((await put(rita, started, 0, randomBytes(5))).json.error?.code).toBe('device_revoked')
    expect((await create(rita, g, 5)).json.error?.code).toBe('device_revoked')
    // Alice, still in the group, reads what rita uploaded before she was revoked.
    expect((await content(alice, hers)).status).toBe(200)
  })

  it('a device that left the group can no longer read its blobs', async () => {
    const carl = await rawRegister(server.url, `blob-carl-${n}`)
    const g = await groupOf(alice, [carl])
    const x = await uploaded(alice, g, randomBytes(30))
    expect((await content(carl, x)).status).toBe(200)
    expect((await http(server.url, 'POST', `/v1/groups/${g}/leave`, {}, carl.token)).status).toBe(200)
    expect((await content(carl, x)).json.error?.code).toBe('not_member')
  })
})

describe('quota, sweep, erasure, export', () => {
  it('refuses an upload past the user’s quota with a clear error, and frees it when a blob goes', async () => {
    const dana = await rawRegister(server.url, `blob-dana-${n}`)
    const g = await groupOf(dana, [])
    const first = await create(dana, g, QUOTA - 100)
    expect(first.status).toBe(201)
    const over = await create(dana, g, 101)
    expect(over.status).toBe(413)
    expect(over.json.error).toMatchObject({ code: 'quota_exceeded', details: { quota: QUOTA, used: QUOTA - 100 } })
    expect(over.json.error?.message).toMatch(/quota/)
    expect((await create(dana, g, 100)).status).toBe(201)
    // The abandoned upload expires and its bytes stop counting.
    await server.blobSweep!.run(Date.now() + TTL + 1)
    expect((await create(dana, g, 101)).status).toBe(201)
  })

  it('deletes uploads left incomplete past their time, and nothing else', async () => {
    const done = await uploaded(alice, group, randomBytes(10))
    const left = (await create(alice, group, 10)).json.blobId as string
    await put(alice, left, 0, randomBytes(3))
    const fresh = (await create(alice, group, 10)).json.blobId as string
    const r = await server.blobSweep!.run(Date.now() + 10) // not yet
    expect(await blobs.stat(left as BlobId)).not.toBeNull()
    expect(r.expiredUploads).toBe(0)
    await server.blobSweep!.run(Date.now() + TTL + 1)
    expect(await blobs.stat(left as BlobId)).toBeNull()
    expect(await blobs.stat(fresh as BlobId)).toBeNull()
    expect(await store.blobGroup(left as BlobId)).toBeNull()
    expect((await http(server.url, 'GET', `/v1/blobs/${left}`, undefined, alice.token)).json.error?.code).toBe('not_found')
    expect((await content(amy, done)).status).toBe(200)
    expect(readdirSync(join(dir, 'blobs')).some((f) => f.startsWith(left))).toBe(false)
  })

  it('deletes the blobs of a group every member left', async () => {
    const erin = await rawRegister(server.url, `blob-erin-${n}`)
    const g = await groupOf(erin, [])
    const x = await uploaded(erin, g, randomBytes(10))
    await server.blobSweep!.run()
    expect(await blobs.stat(x as BlobId)).not.toBeNull()
    expect((await http(server.url, 'POST', `/v1/groups/${g}/leave`, {}, erin.token)).status).toBe(200)
    expect((await server.blobSweep!.run()).orphaned).toBeGreaterThanOrEqual(1)
    expect(await blobs.stat(x as BlobId)).toBeNull()
    expect(await store.blobGroup(x as BlobId)).toBeNull()
  })

  it('export lists the uploader’s blobs; erasure deletes unfinished uploads and keeps sent ones readable without the uploader', async () => {
    const fay = await rawRegister(server.url, `blob-fay-${n}`)
    const g = await groupOf(fay, [amy])
    const sent = await uploaded(fay, g, randomBytes(40))
    const unfinished = (await create(fay, g, 40)).json.blobId as string
    const exp = await http(server.url, 'GET', '/v1/account/export', undefined, fay.token)
    expect((exp.json.blobs as Array<{ blobId: string }>).map((b) => b.blobId).sort()).toEqual([sent, unfinished].sort())
    expect((await rawDeleteAccount(server.url, fay)).status).toBe(200)
    expect(await blobs.stat(unfinished as BlobId)).toBeNull()
    expect(await store.blobGroup(unfinished as BlobId)).toBeNull()
    expect((await blobs.stat(sent as BlobId))?.owner).toBe('AAAAAAAAAAAAAAAAAAAAAA')
    expect((await store.blobGroup(sent as BlobId))?.uploader).toBeNull()
    expect((await content(amy, sent)).status).toBe(200)
  })
})
