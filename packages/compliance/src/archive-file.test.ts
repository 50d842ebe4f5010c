// The archive's sealed copy of an attachment: opens only with the archive key, as the attachment
// of this record and index, whole and with the message's SHA-256; no plaintext in the file.
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { toBase64Url } from '@candor/protocol'
import { generateArchiveKeyPair, newRecordId } from './archive-record.ts'
import { ARCHIVE_FILE_CHUNK, ArchiveFileSealer, archiveFileSize, openArchiveFile } from './archive-file.ts'

async function seal(pub: Uint8Array, record: string, index: number, pieces: Uint8Array[]): Promise<Uint8Array> {
  const s = new ArchiveFileSealer(record, index)
  const parts = [await s.start(pub)]
  for (const p of pieces) parts.push(...(await s.push(p)))
  parts.push(...(await s.finish()))
  return Buffer.concat(parts)
}

const canary = (n: number) => {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i += 32) b.write('ATTACHMENT-CANARY-0123456789abcd', i)
  return new Uint8Array(b)
}

describe('archive attachment files', () => {
  it('round-trips files of 0, 1, exactly one chunk, and several chunks fed in odd pieces; no plaintext in the file', async () => {
    const kp = await generateArchiveKeyPair()
    for (const size of [0, 1, ARCHIVE_FILE_CHUNK, 2 * ARCHIVE_FILE_CHUNK + 77]) {
      const plain = canary(size)
      const record = newRecordId()
      const pieces = [plain.subarray(0, 1000), plain.subarray(1000, 70_000), plain.subarray(70_000)]
      const sealed = await seal(kp.publicKey, record, 0, pieces)
      expect(sealed.length).toBe(archiveFileSize(size))
      if (size > 0) expect(Buffer.from(sealed).includes(Buffer.from('ATTACHMENT-CANARY'))).toBe(false)
      const opened = await openArchiveFile(kp.privateKey, sealed, record, 0, { size, sha256: toBase64Url(sha256(plain)) })
      expect(Buffer.from(opened).equals(Buffer.from(plain))).toBe(true)
    }
  })

  it('another key, record, index, a cut, a changed byte or another SHA-256 does not open', async () => {
    const kp = await generateArchiveKeyPair()
    const other = await generateArchiveKeyPair()
    const plain = canary(3 * ARCHIVE_FILE_CHUNK)
    const record = newRecordId()
    const hash = toBase64Url(sha256(plain))
    const sealed = await seal(kp.publicKey, record, 1, [plain])
    const want = { size: plain.length, sha256: hash }
    await expect(openArchiveFile(other.privateKey, sealed, record, 1, want)).rejects.toThrow(/does not open/)
    await expect(openArchiveFile(kp.privateKey, sealed, newRecordId(), 1, want)).rejects.toThrow(/does not open/)
    await expect(openArchiveFile(kp.privateKey, sealed, record, 0, want)).rejects.toThrow(/does not open/)
    await expect(openArchiveFile(kp.privateKey, sealed.subarray(0, sealed.length - 10), record, 1, want)).rejects.toThrow(/cut short/)
    const flipped = new Uint8Array(sealed)
    flipped[100]! ^= 1
    await expect(openArchiveFile(kp.privateKey, flipped, record, 1, want)).rejects.toThrow(/does not open/)
    await expect(openArchiveFile(kp.privateKey, sealed, record, 1, { ...want, sha256: toBase64Url(sha256(new Uint8Array(1))) })).rejects.toThrow(/SHA-256/)
    // The last chunk dropped and the file re-sized to look whole: the new last chunk was not sealed as last.
    const two = plain.subarray(0, 2 * ARCHIVE_FILE_CHUNK)
    const cut = sealed.subarray(0, archiveFileSize(two.length))
    await expect(openArchiveFile(kp.privateKey, cut, record, 1, { size: two.length, sha256: toBase64Url(sha256(two)) })).rejects.toThrow(/does not open/)
  })
})
