// Files through a real server and real clients (docs/protocol.md §2, §2.4): round trips of
// every size class, a blob changed on the server caught by the recipient, a non-member who
// learnt the key still refused the blob, uploads and downloads resumed after cut connections,
// the quota, an abandoned upload swept, and a blob deleted once its recipient has the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { AttachmentError } from '@candor/crypto'
import { CandorError, randomBytes } from '@candor/protocol'
import { FolderBlobStore } from '@candor/store-sqlite'
import { startCuttingProxy, type CuttingProxy } from '@candor/testkit/cutting-proxy'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '../src/index.ts'
import { nextMessage, options, startDevEnv, type DevEnv } from './dev-env.ts'

const QUOTA = 24 * 1024 * 1024
const TTL = 60_000
let env: DevEnv
let blobDir: string
let blobs: FolderBlobStore
let proxy: CuttingProxy
let alice: CandorClient
let bob: CandorClient
let conv: string

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('base64url')

function big(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) b.set(randomBytes(Math.min(65536, n - i)), i)
  return b
}

async function sendAndReceive(from: CandorClient, to: CandorClient, bytes: Uint8Array, name = 'file.bin'): Promise<MessageRecord> {
  const got = nextMessage(to, (m) => m.attachments !== undefined, 60_000)
  const sent = await from.sendFile(conv, { name, type: 'application/octet-stream', bytes, text: `here is ${name}` })
  expect(sent.attachments?.[0]).toMatchObject({ name, size: bytes.length, sha256: sha(bytes) })
  return got
}

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-sdk-blobs-'))
  blobs = await FolderBlobStore.open(blobDir)
  env = await startDevEnv({ blobs, blobQuotaBytes: QUOTA, blobUploadTtlMs: TTL, blobSweepMs: 3_600_000 })
  proxy = await startCuttingProxy(env.server.url)
  // Alice talks to the server through the proxy, so her transfers can be cut.
  alice = await CandorClient.register(options(proxy.url, new MemoryLocalStore()), 'alice', 'alice-laptop')
  env.clients.push(alice)
  await alice.connect()
  bob = await env.user('bob')
  conv = await alice.directConversation('bob')
}, 180_000)

afterAll(async () => {
  await env?.close()
  await proxy?.close()
  await blobs?.close()
  rmSync(blobDir, { recursive: true, force: true })
})

describe('round trips', () => {
  it('1 byte, exactly one chunk, several chunks, several MiB: the recipient gets the same bytes and hash', async () => {
    for (const n of [1, 65536, 3 * 65536 + 5, 5 * 1024 * 1024 + 3]) {
      const bytes = big(n)
      const m = await sendAndReceive(alice, bob, bytes)
      expect(m).toMatchObject({ from: 'alice', text: 'here is file.bin' })
      expect(m.attachments?.[0]).toMatchObject({ size: n, sha256: sha(bytes), mediaType: 'application/octet-stream', chunkSize: 65536 })
      const back = await bob.downloadAttachment(m)
      expect(back.length).toBe(n)
      expect(sha(back)).toBe(sha(bytes))
      // Bob, the one recipient, has it: the SDK said so, and the server deleted the blob.
      expect(existsSync(join(blobDir, `${m.attachments![0]!.blob}.blob`))).toBe(false)
      await expect(bob.downloadAttachment(m)).rejects.toMatchObject({ code: 'not_found' })
    }
  }, 120_000)

  it('an empty file, and a streamed one that is never whole in memory', async () => {
    const empty = await sendAndReceive(bob, alice, new Uint8Array(0), 'empty.txt')
    expect(await alice.downloadAttachment(empty)).toEqual(new Uint8Array(0))
    const parts = [big(100_000), big(1), big(2 * 1024 * 1024)]
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0)
    async function* stream() {
      for (const p of parts) yield p
    }
    const got = nextMessage(bob, (m) => m.attachments?.[0]?.name === 'streamed.bin', 60_000)
    await alice.sendFile(conv, { name: 'streamed.bin', type: 'application/octet-stream', stream: stream(), size: all.length })
    const chunks: Uint8Array[] = []
    await bob.downloadAttachmentTo((await got).attachments![0]!, (p) => void chunks.push(p))
    expect(sha(Buffer.concat(chunks))).toBe(sha(all))
    // A stream shorter than its stated size is refused before anything is announced.
    await expect(alice.sendFile(conv, { name: 'short.bin', type: 'application/octet-stream', stream: stream(), size: all.length + 1 })).rejects.toThrow(/not the/)
  }, 180_000)

  it('the server holds ciphertext only: neither the file nor its name is in the blob folder', async () => {
    const marker = new TextEncoder().encode('CANARY-attachment-plaintext-'.repeat(100))
    await sendAndReceive(alice, bob, marker, 'CANARY-secret-name.txt')
    for (const f of readdirSync(blobDir)) {
      const text = readFileSync(join(blobDir, f)).toString('latin1')
      expect(text).not.toContain('CANARY')
    }
  })
})

describe('thumbnails (made on the sending device, §2 AttachmentRef)', () => {
  it('travel inside the encrypted message to the recipient, never into the blob folder; a bad one is refused before any upload', async () => {
    const preview = new TextEncoder().encode('CANARY-thumbnail-bytes-'.repeat(20))
    const thumbnail = { mediaType: 'image/webp', width: 160, height: 90, data: Buffer.from(preview).toString('base64url') }
    const got = nextMessage(bob, (m) => m.attachments?.[0]?.name === 'photo.png', 60_000)
    const sent = await alice.sendFile(conv, { name: 'photo.png', type: 'image/png', bytes: big(70_000), thumbnail })
    expect(sent.attachments?.[0]?.thumbnail).toEqual(thumbnail)
    expect((await got).attachments?.[0]?.thumbnail).toEqual(thumbnail)
    for (const f of readdirSync(blobDir)) expect(readFileSync(join(blobDir, f)).toString('latin1')).not.toContain('CANARY-thumbnail')

    const files = readdirSync(blobDir).length
    const bad = [
      { ...thumbnail, data: Buffer.alloc(16 * 1024 + 1).toString('base64url') },
      { ...thumbnail, width: 0 },
      { ...thumbnail, mediaType: 'text/html' },
    ]
    for (const t of bad) {
      const err = await alice.sendFile(conv, { name: 'x.png', type: 'image/png', bytes: big(10), thumbnail: t }).catch((e: unknown) => e)
      expect((err as CandorError).code).toBe('bad_request')
      expect((err as CandorError).message).toMatch(/^thumbnail\./)
    }
    expect(readdirSync(blobDir).length).toBe(files)
  })
})

describe('what the recipient refuses', () => {
  it('a blob changed on the server fails to decrypt at the recipient', async () => {
    const bytes = big(200_000)
    const m = await sendAndReceive(alice, bob, bytes)
    const file = join(blobDir, `${m.attachments![0]!.blob}.blob`)
    const stored = readFileSync(file)
    stored[100_000]! ^= 0x01
    writeFileSync(file, stored)
    await expect(bob.downloadAttachment(m)).rejects.toThrow(AttachmentError)
    // Swapping two chunks is caught too.
    const orig = Buffer.from(stored)
    orig[100_000]! ^= 0x01
    const swapped = Buffer.concat([orig.subarray(65552, 2 * 65552), orig.subarray(0, 65552), orig.subarray(2 * 65552)])
    writeFileSync(file, swapped)
    await expect(bob.downloadAttachment(m)).rejects.toThrow(/chunk 0 failed/)
  })

  it('a non-member who got hold of the message (and its key) cannot fetch the blob', async () => {
    const m = await sendAndReceive(alice, bob, big(1000))
    const mallory = await env.user('mallory')
    const err = await mallory.downloadAttachment(m).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CandorError)
    expect((err as CandorError).code).toBe('not_member')
  })
})

describe('cut connections', () => {
  it('an upload resumes after a lost answer and a cut request; a download resumes after a cut mid-answer', async () => {
    const bytes = big(3 * 1024 * 1024 + 17)
    // The second piece is stored but its answer never arrives; the third never reaches the server.
    proxy.cutNext({ method: 'PUT', path: /^\/v1\/blobs\//, cut: 'answer' })
    let puts = 0
    const m = await (async () => {
      const got = nextMessage(bob, (x) => x.attachments?.[0]?.name === 'resumed.bin', 60_000)
      await alice.sendFile(conv, {
        name: 'resumed.bin',
        type: 'application/octet-stream',
        bytes,
        onProgress: () => {
          if (++puts === 1) proxy.cutNext({ method: 'PUT', path: /^\/v1\/blobs\//, cut: 'request' })
        },
      })
      return got
    })()
    expect(proxy.fired.filter((f) => f.startsWith('PUT'))).toHaveLength(2)

    // Alice downloads through the proxy, which cuts the answer after 1.5 MiB.
    proxy.cutNext({ method: 'GET', path: /\/content$/, cut: 'answer', afterBytes: 1536 * 1024 })
    const before = proxy.fired.length
    const mine = (await alice.history(conv)).find((r) => r.id === m.id)!
    const progress: number[] = []
    const back = await alice.downloadAttachment(mine, 0, (p) => progress.push(p.done))
    expect(proxy.fired.length).toBe(before + 1)
    expect(sha(back)).toBe(sha(bytes))
    expect(progress.at(-1)).toBe(mine.attachments![0]!.size + 16 * 49)
    // Bob's (the recipient's) download comes last: once he has it, the blob goes (§2.4 Lifecycle).
    expect(sha(await bob.downloadAttachment(m))).toBe(sha(bytes))
  }, 180_000)
})

describe('limits and the sweep', () => {
  it('an upload past the quota is refused with a clear error, and no message is sent', async () => {
    const used = readdirSync(blobDir).length
    const before = (await bob.history(conv)).length
    const err = await alice.sendFile(conv, { name: 'huge.bin', type: 'application/octet-stream', stream: (async function* () {})(), size: QUOTA }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CandorError)
    expect((err as CandorError).code).toBe('quota_exceeded')
    expect((err as CandorError).message).toMatch(/quota/)
    expect(readdirSync(blobDir).length).toBe(used)
    expect((await bob.history(conv)).length).toBe(before)
  })

  it('an upload abandoned half-way is deleted by the sweep once its time is up', async () => {
    const bytes = big(3 * 1024 * 1024)
    // Every further PUT is cut before it reaches the server: the upload gives up after its retries.
    for (let i = 0; i < 12; i++) proxy.cutNext({ method: 'PUT', path: /^\/v1\/blobs\//, cut: 'request' })
    const files = new Set(readdirSync(blobDir))
    const err = await alice.sendFile(conv, { name: 'abandoned.bin', type: 'application/octet-stream', bytes }).catch((e: unknown) => e)
    expect((err as CandorError).code).toBe('unavailable')
    const left = readdirSync(blobDir).filter((f) => !files.has(f))
    expect(left.some((f) => f.endsWith('.part'))).toBe(true)
    await env.server.blobSweep!.run(Date.now() + TTL + 1)
    expect(readdirSync(blobDir).filter((f) => !files.has(f))).toEqual([])
  }, 180_000)
})
