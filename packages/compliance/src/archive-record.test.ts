import { describe, expect, it } from 'vitest'
import { newDeviceId, newGroupId, newMessageId, utf8, fromUtf8, toBase64Url } from '@candor/protocol'
import {
  ArchiveRecordError,
  archivePublicKeyOf,
  encodeArchiveRecord,
  generateArchiveKeyPair,
  newRecordId,
  openArchiveRecord,
  parseArchiveRecord,
  sealArchiveRecord,
  type ArchiveRecord,
} from './archive-record.ts'
import { encodeIndexLine, indexLineFor, parseIndexLine, sealedDigest } from './archive-index.ts'

function record(over: Partial<ArchiveRecord> = {}): ArchiveRecord {
  return {
    v: 1,
    id: newRecordId(),
    kind: 'text',
    conversation: newGroupId(),
    sender: { user: 'alice@acme.example', device: newDeviceId() },
    epoch: 3,
    sentAt: 1_764_500_000_000,
    receivedAt: 1_764_500_000_123,
    seq: 42,
    messageId: newMessageId(),
    text: 'the quarterly numbers are in',
    ...over,
  } as ArchiveRecord
}

describe('archive record (docs/protocol.md §11.4)', () => {
  it('seals to the archive key and opens with its private half', async () => {
    const kp = await generateArchiveKeyPair()
    expect(toBase64Url(archivePublicKeyOf(kp.privateKey))).toBe(toBase64Url(kp.publicKey))
    const r = record()
    const sealed = await sealArchiveRecord(kp.publicKey, r)
    expect(fromUtf8(sealed.subarray(0, 4))).toBe('CAR1')
    // No plaintext in the sealed bytes.
    expect(Buffer.from(sealed).includes(Buffer.from('quarterly'))).toBe(false)
    const opened = await openArchiveRecord(kp.privateKey, sealed, r.id)
    expect(opened).toEqual(r)
  })

  it('a wrong key does not open it', async () => {
    const kp = await generateArchiveKeyPair()
    const other = await generateArchiveKeyPair()
    const r = record()
    const sealed = await sealArchiveRecord(kp.publicKey, r)
    await expect(openArchiveRecord(other.privateKey, sealed, r.id)).rejects.toThrow(/does not open with this key/)
  })

  it('a changed byte, another record id, or junk does not open', async () => {
    const kp = await generateArchiveKeyPair()
    const r = record()
    const sealed = await sealArchiveRecord(kp.publicKey, r)
    const flipped = sealed.slice()
    flipped[flipped.length - 1]! ^= 1
    await expect(openArchiveRecord(kp.privateKey, flipped, r.id)).rejects.toBeInstanceOf(ArchiveRecordError)
    await expect(openArchiveRecord(kp.privateKey, sealed, newRecordId())).rejects.toThrow(/does not open/)
    await expect(openArchiveRecord(kp.privateKey, utf8('CAR1short'), r.id)).rejects.toThrow(/not a sealed archive record/)
    await expect(openArchiveRecord(kp.privateKey, sealed, 'nope')).rejects.toThrow(/id: must be 16 bytes/)
    await expect(sealArchiveRecord(new Uint8Array(31), r)).rejects.toThrow(/archivePublicKey/)
  })

  it('edits and deletes are records of their own; each kind takes only its fields', async () => {
    const target = newMessageId()
    const edit = record({ kind: 'edit', target, text: 'fixed' })
    const del = record({ kind: 'delete', target })
    delete (del as Partial<ArchiveRecord>).text
    expect(parseArchiveRecord(encodeArchiveRecord(edit))).toEqual(edit)
    expect(parseArchiveRecord(encodeArchiveRecord(del))).toEqual(del)
    expect(() => encodeArchiveRecord({ ...del, text: 'x' })).toThrow(/text: is not a field of a delete record/)
    expect(() => encodeArchiveRecord({ ...edit, target: 'x' })).toThrow(/target: must be a MessageId/)
    const other = record({ kind: 'other', content: toBase64Url(utf8('{"v":2}')) })
    delete (other as Partial<ArchiveRecord>).text
    expect(parseArchiveRecord(encodeArchiveRecord(other))).toEqual(other)
  })

  it('bad input gives a clear error naming the field', () => {
    const ok = record()
    const enc = (o: unknown) => utf8(JSON.stringify(o))
    expect(() => parseArchiveRecord(utf8('not json'))).toThrow(/not UTF-8 JSON/)
    expect(() => parseArchiveRecord(enc({ ...ok, v: 2 }))).toThrow(/v: must be 1/)
    expect(() => parseArchiveRecord(enc({ ...ok, extra: 1 }))).toThrow(/extra: is not a field/)
    expect(() => parseArchiveRecord(enc({ ...ok, epoch: -1 }))).toThrow(/epoch: must be a safe integer/)
    expect(() => parseArchiveRecord(enc({ ...ok, sender: { user: 'alice@acme.example' } }))).toThrow(/sender/)
    expect(() => parseArchiveRecord(enc({ ...ok, conversation: 'x' }))).toThrow(/conversation: must be a GroupId/)
    expect(() => parseArchiveRecord(enc({ ...ok, attachments: [] }))).toThrow(/attachments/)
    expect(() => parseArchiveRecord(enc({ ...ok, attachments: [{ blob: 'x' }] }))).toThrow(/attachments\[0\]/)
    // Valid fields, not canonical (JSON.stringify keeps insertion order).
    expect(() => parseArchiveRecord(enc(ok))).toThrow(/canonical/)
    expect(parseArchiveRecord(encodeArchiveRecord(ok))).toEqual(ok)
  })

  it('index lines hold no content and name the sealed bytes', async () => {
    const kp = await generateArchiveKeyPair()
    const r = record()
    const sealed = await sealArchiveRecord(kp.publicKey, r)
    const line = encodeIndexLine(indexLineFor(r, sealed))
    expect(line).not.toContain('quarterly')
    const parsed = parseIndexLine(line.trimEnd())
    expect(parsed.sha256).toBe(sealedDigest(sealed))
    expect(parsed.id).toBe(r.id)
    expect(() => parseIndexLine(line.trimEnd().replace('"at"', '"text":"x","at"'))).toThrow(/exactly/)
    expect(() => parseIndexLine('{')).toThrow(/not JSON/)
  })
})
