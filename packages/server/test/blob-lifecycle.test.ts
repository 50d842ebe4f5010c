// When attachment blobs go (docs/protocol.md §2.4 "Lifecycle"), through a real server: a blob
// goes once every recipient fixed at its completion has said it fetched it, or when the last
// recipient yet to fetch it leaves, or at its retention's end. Acting as attackers: the
// uploader, a device that joined later, a non-member, a stranger and a revoked device cannot
// make a blob go (their "fetched" is refused and changes nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newMessageId, randomBytes, type GroupId } from '@candor/protocol'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import type { BlobId } from '@candor/ports'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { http, httpBytes, rawDeleteAccount, rawEnrolApproved, rawRegister, type RawDevice } from './raw-client.ts'
import { commitBody, keyPackageOf, rawGroup } from './raw-mls.ts'

const RETENTION = 3_600_000
let dir: string
let store: SqliteStore
let blobs: FolderBlobStore
let server: CandorServer
let n = 0

const fetched = (as: RawDevice | null, id: string) => http(server.url, 'POST', `/v1/blobs/${id}/fetched`, {}, as?.token)
const content = (as: RawDevice, id: string) => httpBytes(server.url, 'GET', `/v1/blobs/${id}/content`, undefined, as.token)
const onDisk = (id: string) => readdirSync(join(dir, 'blobs')).some((f) => f.startsWith(id))

async function uploaded(as: RawDevice, g: GroupId, size = 64): Promise<string> {
  const made = await http(server.url, 'POST', `/v1/groups/${g}/blobs`, { size }, as.token)
  expect(made.status, JSON.stringify(made.json)).toBe(201)
  const id = made.json.blobId as string
  expect((await httpBytes(server.url, 'PUT', `/v1/blobs/${id}?offset=0`, randomBytes(size), as.token)).status).toBe(200)
  expect((await http(server.url, 'POST', `/v1/blobs/${id}/complete`, {}, as.token)).status).toBe(200)
  return id
}

const person = (name: string) => rawRegister(server.url, `life-${name}-${n}`)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-blob-life-'))
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  blobs = await FolderBlobStore.open(join(dir, 'blobs'))
  server = await createServer({ store, blobs, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 100_000, blobRetentionMs: RETENTION, blobSweepMs: 3_600_000 })
  n++
})

afterAll(async () => {
  await server?.close()
  await store?.close()
  await blobs?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('deleted once every recipient fetched it', () => {
  it('recipients are the other member devices at completion (the uploader\'s second device too); the last fetch deletes it', async () => {
    const alice = await person('alice')
    const alicePhone = await rawEnrolApproved(server.url, alice, 'phone')
    const bob = await person('bob')
    const g = (await rawGroup(server.url, alice, [alicePhone, bob])).groupId
    const id = await uploaded(alice, g)
    const delivery = await store.blobDelivery(id as BlobId)
    expect(delivery!.recipients.map((r) => r.deviceId).sort()).toEqual([alicePhone.deviceId, bob.deviceId].sort())
    expect(delivery!.expiresAt).toBeGreaterThan(Date.now() + RETENTION - 60_000)
    expect((await content(bob, id)).status).toBe(200)
    expect((await fetched(bob, id)).json).toEqual({ deleted: false })
    // Repeating it is a no-op.
    expect((await fetched(bob, id)).json).toEqual({ deleted: false })
    expect((await content(alicePhone, id)).status).toBe(200)
    expect(onDisk(id)).toBe(true)
    expect((await fetched(alicePhone, id)).json).toEqual({ deleted: true })
    expect(await blobs.stat(id as BlobId)).toBeNull()
    expect(await store.blobGroup(id as BlobId)).toBeNull()
    expect(onDisk(id)).toBe(false)
    expect((await content(bob, id)).json.error?.code).toBe('not_found')
    expect((await fetched(bob, id)).json.error?.code).toBe('not_found')
    // Its bytes no longer count against the uploader's quota.
    expect(await store.blobBytesOf(alice.userId as never)).toBe(0)
  })

  it('a recipient that leaves before fetching is no longer waited for (the sweep deletes it)', async () => {
    const [alice, bob, carl] = await Promise.all([person('alice2'), person('bob2'), person('carl2')])
    const g = (await rawGroup(server.url, alice, [bob, carl])).groupId
    const id = await uploaded(alice, g)
    expect((await fetched(bob, id)).json).toEqual({ deleted: false })
    expect((await server.blobSweep!.run()).fetched).toBe(0)
    expect(onDisk(id)).toBe(true)
    expect((await http(server.url, 'POST', `/v1/groups/${g}/leave`, {}, carl.token)).status).toBe(200)
    expect((await server.blobSweep!.run()).fetched).toBeGreaterThanOrEqual(1)
    expect(await blobs.stat(id as BlobId)).toBeNull()
    expect(await store.blobGroup(id as BlobId)).toBeNull()
  })

  it('a blob with no recipients (one device alone) waits for its retention', async () => {
    const solo = await person('solo')
    const g = (await rawGroup(server.url, solo, [])).groupId
    const id = await uploaded(solo, g)
    await server.blobSweep!.run()
    expect(onDisk(id)).toBe(true)
    expect((await fetched(solo, id)).json.error?.code).toBe('forbidden')
  })
})

describe('deleted when its retention ends', () => {
  it('an unfetched blob goes at its expiry, not before; an unfinished upload is not “expired” by it', async () => {
    const [alice, bob] = await Promise.all([person('alice3'), person('bob3')])
    const g = (await rawGroup(server.url, alice, [bob])).groupId
    const id = await uploaded(alice, g)
    const open = (await http(server.url, 'POST', `/v1/groups/${g}/blobs`, { size: 10 }, alice.token)).json.blobId as string
    const expiresAt = (await store.blobDelivery(id as BlobId))!.expiresAt
    await server.blobSweep!.run(expiresAt - 1)
    expect(onDisk(id)).toBe(true)
    expect((await server.blobSweep!.run(expiresAt)).expired).toBeGreaterThanOrEqual(1)
    expect(onDisk(id)).toBe(false)
    expect(await store.blobGroup(id as BlobId)).toBeNull()
    // The upload still open is under the 24-hour rule for unfinished uploads, not the retention.
    expect(await blobs.stat(open as BlobId)).not.toBeNull()
    expect((await content(bob, id)).json.error?.code).toBe('not_found')
  })
})

describe('who cannot make a blob go', () => {
  it('the uploader, a device that joined later, a non-member, a stranger, a revoked device: refused, nothing changes', async () => {
    const [alice, bob, dave, mallory] = await Promise.all([person('alice4'), person('bob4'), person('dave4'), person('mallory4')])
    const bobTablet = await rawEnrolApproved(server.url, bob, 'tablet')
    const made = await rawGroup(server.url, alice, [bob, bobTablet])
    const g = made.groupId
    const id = await uploaded(alice, g)
    const open = (await http(server.url, 'POST', `/v1/groups/${g}/blobs`, { size: 10 }, alice.token)).json.blobId as string
    // Dave is added after the blob was completed: a member, but no recipient.
    const c = await commitBody(made.state, { add: [(await keyPackageOf(dave)).keyPackage] })
    expect((await http(server.url, 'POST', `/v1/groups/${g}/commits`, c.body, alice.token)).status).toBe(200)
    expect((await content(dave, id)).status).toBe(200)

    const refusals: Array<[RawDevice | null, string, string]> = [
      [alice, id, 'forbidden'], // the uploader
      [dave, id, 'forbidden'], // joined later
      [mallory, id, 'not_member'], // another user, not in the group
      [null, id, 'unauthenticated'], // a stranger
      [bob, open, 'blob_incomplete'], // not complete yet
      [bob, newMessageId(), 'not_found'],
      [bob, 'not-a-blob-id', 'bad_request'],
    ]
    for (const [as, blob, code] of refusals) {
      const r = await fetched(as, blob)
      expect(r.json.error?.code, `${as?.userId ?? 'stranger'} ${code}`).toBe(code)
    }
    // The tablet is revoked before fetching: refused, and (no longer a member) no longer waited for.
    expect((await http(server.url, 'DELETE', `/v1/devices/${bobTablet.deviceId}`, undefined, bob.token)).status).toBe(200)
    expect((await fetched(bobTablet, id)).json.error?.code).toBe('device_revoked')
    const d = await store.blobDelivery(id as BlobId)
    expect(d!.recipients.every((r) => r.fetchedAt === null)).toBe(true)
    expect(onDisk(id)).toBe(true)
    // Only bob's own fetch, as the recipient still in the group, deletes it.
    expect((await fetched(bob, id)).json).toEqual({ deleted: true })
    expect(onDisk(id)).toBe(false)
  })

  it('erasing a recipient\'s account leaves the blob to the other recipients; the export lists expiry', async () => {
    const [alice, bob, carl] = await Promise.all([person('alice5'), person('bob5'), person('carl5')])
    const g = (await rawGroup(server.url, alice, [bob, carl])).groupId
    const id = await uploaded(alice, g)
    const exp = await http(server.url, 'GET', '/v1/account/export', undefined, alice.token)
    const expiresAt = (await store.blobDelivery(id as BlobId))!.expiresAt
    expect(exp.json.blobs).toEqual([expect.objectContaining({ blobId: id, expiresAt })])
    expect((await rawDeleteAccount(server.url, carl)).status).toBe(200)
    expect((await store.blobDelivery(id as BlobId))!.recipients.map((r) => r.deviceId)).toEqual([bob.deviceId])
    expect((await fetched(bob, id)).json).toEqual({ deleted: true })
    expect(onDisk(id)).toBe(false)
  })
})
