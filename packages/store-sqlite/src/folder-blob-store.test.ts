import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { newBlobId, newDeviceId, randomBytes } from '@candor/protocol'
import type { BlobId } from '@candor/ports'
import { blobStoreContract } from '@candor/testkit/blob-store-contract'
import { FolderBlobStore } from './folder-blob-store.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-blobs-'))
blobStoreContract('FolderBlobStore', () => FolderBlobStore.open(dir), () => rmSync(dir, { recursive: true, force: true }))

it('keeps an upload under .part and renames it to .blob on completion; refuses ids that are not blob ids', async () => {
  const d = mkdtempSync(join(tmpdir(), 'candor-blobs-'))
  try {
    const s = await FolderBlobStore.open(d)
    const b = newBlobId() as BlobId
    await s.create({ blobId: b, owner: newDeviceId(), size: 3, createdAt: 1 })
    await s.append(b, 0, randomBytes(3))
    expect(readdirSync(d).sort()).toEqual([`${b}.json`, `${b}.part`])
    await s.complete(b)
    expect(readdirSync(d).sort()).toEqual([`${b}.blob`, `${b}.json`])
    await expect(s.stat('../x' as BlobId)).rejects.toThrow(/blobId/)
    await s.close()
  } finally {
    rmSync(d, { recursive: true, force: true })
  }
})
