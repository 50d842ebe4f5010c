// The shared behavioural contract of every BlobStore adapter (packages/ports/src/blob-store.ts):
// resumable appends at the offset the store says, never past the declared size, readable only
// once complete, retries idempotent, erasure handing complete blobs to the erased device id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError, ERASED_DEVICE_ID, newBlobId, newDeviceId, randomBytes, type ErrorCode } from '@candor/protocol'
import type { BlobId, BlobStore } from '@candor/ports'

async function refused(p: Promise<unknown>, code: ErrorCode): Promise<CandorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CandorError)
  expect((e as CandorError).code).toBe(code)
  return e as CandorError
}

export function blobStoreContract(name: string, open: () => Promise<BlobStore>, cleanup?: () => Promise<void> | void): void {
  describe(`BlobStore contract: ${name}`, () => {
    let s: BlobStore
    beforeAll(async () => {
      s = await open()
    })
    afterAll(async () => {
      await s?.close()
      await cleanup?.()
    })
    const id = (): BlobId => newBlobId() as BlobId

    it('stores appends in order, completes, reads any range', async () => {
      const b = id()
      const owner = newDeviceId()
      const data = randomBytes(1000)
      expect(await s.create({ blobId: b, owner, size: 1000, createdAt: 5 })).toEqual({ owner, size: 1000, received: 0, complete: false, createdAt: 5 })
      expect(await s.append(b, 0, data.subarray(0, 300))).toBe(300)
      expect(await s.append(b, 300, data.subarray(300, 999))).toBe(999)
      await refused(s.read(b, 0, 10), 'blob_incomplete')
      await refused(s.complete(b), 'blob_incomplete')
      expect(await s.append(b, 999, data.subarray(999))).toBe(1000)
      await s.complete(b)
      await s.complete(b) // a retried completion
      expect(await s.stat(b)).toEqual({ owner, size: 1000, received: 1000, complete: true, createdAt: 5 })
      expect(await s.read(b, 0, 1000)).toEqual(data)
      expect(await s.read(b, 250, 100)).toEqual(data.subarray(250, 350))
      expect(await s.read(b, 950, 100)).toEqual(data.subarray(950))
      expect(await s.read(b, 1000, 5)).toEqual(new Uint8Array(0))
      await refused(s.read(b, 1001, 5), 'bad_request')
      await refused(s.read(b, 0, 0), 'bad_request')
    })

    it('refuses a wrong offset with where to resume, growth past the size, empty chunks; changes nothing', async () => {
      const b = id()
      const owner = newDeviceId()
      await s.create({ blobId: b, owner, size: 10, createdAt: 1 })
      await s.append(b, 0, randomBytes(4))
      const e = await refused(s.append(b, 0, randomBytes(4)), 'wrong_offset') // a retry after a lost answer
      expect(e.details).toEqual({ received: 4 })
      await refused(s.append(b, 6, randomBytes(1)), 'wrong_offset')
      await refused(s.append(b, 4, randomBytes(7)), 'body_too_large')
      await refused(s.append(b, 4, new Uint8Array(0)), 'bad_request')
      await refused(s.append(b, -1, randomBytes(1)), 'bad_request')
      expect((await s.stat(b))?.received).toBe(4)
      await s.append(b, 4, randomBytes(6))
      await refused(s.append(b, 10, randomBytes(1)), 'body_too_large')
      await refused(s.append(id(), 0, randomBytes(1)), 'not_found')
    })

    it('of two concurrent appends at one offset exactly one is stored', async () => {
      const b = id()
      await s.create({ blobId: b, owner: newDeviceId(), size: 8, createdAt: 1 })
      const r = await Promise.allSettled([s.append(b, 0, randomBytes(4)), s.append(b, 0, randomBytes(4))])
      expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(1)
      expect((await s.stat(b))?.received).toBe(4)
    })

    it('a create retried returns the progress; another owner or size is a duplicate', async () => {
      const b = id()
      const owner = newDeviceId()
      await s.create({ blobId: b, owner, size: 10, createdAt: 1 })
      await s.append(b, 0, randomBytes(3))
      expect((await s.create({ blobId: b, owner, size: 10, createdAt: 2 })).received).toBe(3)
      await refused(s.create({ blobId: b, owner: newDeviceId(), size: 10, createdAt: 2 }), 'duplicate')
      await refused(s.create({ blobId: b, owner, size: 11, createdAt: 2 }), 'duplicate')
      await refused(s.create({ blobId: id(), owner, size: 0, createdAt: 2 }), 'bad_request')
    })

    it('deletes, lists what was created before a time, erases an owner', async () => {
      const owner = newDeviceId()
      const done = id()
      const open = id()
      const later = id()
      const t = 1_000_000 + Math.floor(Math.random() * 1_000_000)
      await s.create({ blobId: done, owner, size: 2, createdAt: t })
      await s.append(done, 0, randomBytes(2))
      await s.complete(done)
      await s.create({ blobId: open, owner, size: 2, createdAt: t + 1 })
      await s.create({ blobId: later, owner: newDeviceId(), size: 2, createdAt: t + 10 })
      const all = await s.listCreatedBefore(t + 5, 'all', 100_000)
      expect(all).toEqual(expect.arrayContaining([done, open]))
      expect(all).not.toContain(later)
      const incomplete = await s.listCreatedBefore(t + 5, 'incomplete', 100_000)
      expect(incomplete).toContain(open)
      expect(incomplete).not.toContain(done)

      expect(await s.eraseOwner(owner)).toBe(2)
      expect(await s.stat(open)).toBeNull()
      expect((await s.stat(done))?.owner).toBe(ERASED_DEVICE_ID)
      expect(await s.read(done, 0, 2)).toHaveLength(2)

      expect(await s.delete(done)).toBe(true)
      expect(await s.delete(done)).toBe(false)
      expect(await s.stat(done)).toBeNull()
      await refused(s.read(done, 0, 1), 'not_found')
    })
  })
}
