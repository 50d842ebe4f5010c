// The compliance archive's record (docs/protocol.md §11.4): one received message as RFC 8785
// canonical JSON, sealed with HPKE (RFC 9180, base mode; DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-128-GCM) to the organisation's archive key, whose private half the archive
// never holds. The sealed file is "CAR1" ‖ enc (32 bytes) ‖ ciphertext; the AAD names the record
// id, so a file renamed to another record's name does not open.
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { x25519 } from '@noble/curves/ed25519.js'
import canonicalize from 'canonicalize'
import {
  fromBase64Url,
  fromUtf8,
  isDeviceId,
  isGroupId,
  isMessageId,
  isUserId,
  parseAttachmentRef,
  toBase64Url,
  utf8,
  type AttachmentRef,
} from '@candor/protocol'

export const ARCHIVE_RECORD_KINDS = ['text', 'edit', 'delete', 'other'] as const
export type ArchiveRecordKind = (typeof ARCHIVE_RECORD_KINDS)[number]

export interface ArchiveRecord {
  v: 1
  /** 16 random bytes, base64url: the record's file name. */
  id: string
  kind: ArchiveRecordKind
  /** The conversation's GroupId. */
  conversation: string
  sender: { user: string; device: string }
  epoch: number
  /** The sender's clock (ms). */
  sentAt: number
  /** The archive's clock (ms). */
  receivedAt: number
  /** The server's seq of the deliver frame. */
  seq: number
  messageId: string
  /** edit, delete: the message it changes. */
  target?: string
  /** text, edit. */
  text?: string
  /** text, when it has any. */
  attachments?: AttachmentRef[]
  /** other: the raw content bytes, base64url. */
  content?: string
}

/** Bad input: names the field and why. */
export class ArchiveRecordError extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`archive record ${field}: ${reason}`)
    this.name = 'ArchiveRecordError'
  }
}

const MAGIC = utf8('CAR1')
const ENC_BYTES = 32
const INFO = utf8('candor/archive-record/v1')
const aad = (id: string) => utf8(`candor/archive-record/v1\n${id}`)
const TEXT_MAX_BYTES = 65_536
const CONTENT_MAX_BYTES = 1 << 20

function suite(): CipherSuite {
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() })
}

const bad = (field: string, reason: string) => new ArchiveRecordError(field, reason)

function safeInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(field, 'must be a safe integer ≥ 0')
  return v
}

function check(ok: boolean, field: string, reason: string): void {
  if (!ok) throw bad(field, reason)
}

export function isRecordId(v: unknown): v is string {
  return typeof v === 'string' && v.length === 22 && fromBase64Url(v)?.length === 16
}

export function newRecordId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)))
}

const ALLOWED: Record<ArchiveRecordKind, readonly string[]> = {
  text: ['text', 'attachments'],
  edit: ['target', 'text'],
  delete: ['target'],
  other: ['content'],
}
const COMMON = ['v', 'id', 'kind', 'conversation', 'sender', 'epoch', 'sentAt', 'receivedAt', 'seq', 'messageId']

/** Checks a record's fields (the same checks as parsing); returns it unchanged or throws. */
export function checkArchiveRecord(r: unknown): ArchiveRecord {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad('(record)', 'must be an object')
  const o = r as Record<string, unknown>
  check(o.v === 1, 'v', 'must be 1')
  check(isRecordId(o.id), 'id', 'must be 16 bytes in canonical base64url')
  check(typeof o.kind === 'string' && (ARCHIVE_RECORD_KINDS as readonly string[]).includes(o.kind), 'kind', `must be one of ${ARCHIVE_RECORD_KINDS.join(', ')}`)
  const kind = o.kind as ArchiveRecordKind
  const allowed = new Set([...COMMON, ...ALLOWED[kind]])
  for (const k of Object.keys(o)) check(allowed.has(k), k, `is not a field of a ${kind} record`)
  check(isGroupId(o.conversation), 'conversation', 'must be a GroupId')
  const s = o.sender
  check(typeof s === 'object' && s !== null && !Array.isArray(s), 'sender', 'must be { user, device }')
  const sender = s as Record<string, unknown>
  check(Object.keys(sender).length === 2, 'sender', 'must have exactly user and device')
  check(isUserId(sender.user), 'sender.user', 'must be a UserId')
  check(isDeviceId(sender.device), 'sender.device', 'must be a DeviceId')
  safeInt(o.epoch, 'epoch')
  safeInt(o.sentAt, 'sentAt')
  safeInt(o.receivedAt, 'receivedAt')
  safeInt(o.seq, 'seq')
  check(isMessageId(o.messageId), 'messageId', 'must be a MessageId')
  if (kind === 'edit' || kind === 'delete') check(isMessageId(o.target), 'target', 'must be a MessageId')
  if (kind === 'edit' || kind === 'text') {
    check(typeof o.text === 'string' && utf8(o.text).length <= TEXT_MAX_BYTES, 'text', `must be a string of at most ${TEXT_MAX_BYTES} UTF-8 bytes`)
  }
  if (o.attachments !== undefined) {
    check(Array.isArray(o.attachments) && o.attachments.length >= 1 && o.attachments.length <= 10, 'attachments', 'must be 1 to 10 attachment refs (absent when none)')
    ;(o.attachments as unknown[]).forEach((a, i) => {
      try {
        parseAttachmentRef(a, `attachments[${i}]`)
      } catch (e) {
        throw bad(`attachments[${i}]`, e instanceof Error ? e.message : String(e))
      }
    })
  }
  if (kind === 'other') {
    const c = typeof o.content === 'string' ? fromBase64Url(o.content) : null
    check(c !== null && c.length <= CONTENT_MAX_BYTES, 'content', `must be at most ${CONTENT_MAX_BYTES} bytes in canonical base64url`)
  }
  return o as unknown as ArchiveRecord
}

/** The record's canonical bytes (RFC 8785); throws ArchiveRecordError for a bad record. */
export function encodeArchiveRecord(record: ArchiveRecord): Uint8Array {
  checkArchiveRecord(record)
  return utf8(canonicalize(record)!)
}

/** Parses a record's bytes: canonical JSON only (re-encodes and compares), every field checked. */
export function parseArchiveRecord(bytes: Uint8Array): ArchiveRecord {
  let text: string
  let raw: unknown
  try {
    text = fromUtf8(bytes)
    raw = JSON.parse(text)
  } catch {
    throw bad('(record)', 'is not UTF-8 JSON')
  }
  const record = checkArchiveRecord(raw)
  if (canonicalize(record) !== text) throw bad('(record)', 'is not in canonical form (RFC 8785)')
  return record
}

/** Seals a record to the archive public key (32-byte X25519): "CAR1" ‖ enc ‖ ct. */
export async function sealArchiveRecord(archivePublicKey: Uint8Array, record: ArchiveRecord): Promise<Uint8Array> {
  if (archivePublicKey.length !== 32) throw bad('archivePublicKey', 'must be 32 bytes (X25519)')
  const plaintext = encodeArchiveRecord(record)
  const s = suite()
  const recipientPublicKey = await s.kem.deserializePublicKey(archivePublicKey.slice().buffer)
  const { enc, ct } = await s.seal({ recipientPublicKey, info: INFO.slice().buffer }, plaintext.slice().buffer, aad(record.id).slice().buffer)
  const out = new Uint8Array(MAGIC.length + ENC_BYTES + ct.byteLength)
  if (enc.byteLength !== ENC_BYTES) throw new Error('unexpected HPKE encapsulation length')
  out.set(MAGIC)
  out.set(new Uint8Array(enc), MAGIC.length)
  out.set(new Uint8Array(ct), MAGIC.length + ENC_BYTES)
  return out
}

/**
 * Opens a sealed record with the archive private key (32-byte X25519) and parses it; `id` is
 * the record id its file name says. A wrong key, a changed byte or another record's id →
 * ArchiveRecordError('(sealed)'); the record's own id must equal `id`.
 */
export async function openArchiveRecord(archivePrivateKey: Uint8Array, sealed: Uint8Array, id: string): Promise<ArchiveRecord> {
  if (archivePrivateKey.length !== 32) throw bad('archivePrivateKey', 'must be 32 bytes (X25519)')
  if (!isRecordId(id)) throw bad('id', 'must be 16 bytes in canonical base64url')
  if (sealed.length <= MAGIC.length + ENC_BYTES || !MAGIC.every((b, i) => sealed[i] === b)) throw bad('(sealed)', 'is not a sealed archive record (CAR1)')
  const s = suite()
  let plaintext: Uint8Array
  try {
    const recipientKey = await s.kem.deserializePrivateKey(archivePrivateKey.slice().buffer)
    const pt = await s.open(
      { recipientKey, enc: sealed.slice(MAGIC.length, MAGIC.length + ENC_BYTES).buffer, info: INFO.slice().buffer },
      sealed.slice(MAGIC.length + ENC_BYTES).buffer,
      aad(id).slice().buffer,
    )
    plaintext = new Uint8Array(pt)
  } catch {
    throw bad('(sealed)', 'does not open with this key for this record id')
  }
  const record = parseArchiveRecord(plaintext)
  if (record.id !== id) throw bad('id', 'the record inside names another id')
  return record
}

/** A new archive key pair (X25519, raw 32-byte keys). */
export async function generateArchiveKeyPair(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  const s = suite()
  const kp = await s.kem.generateKeyPair()
  return {
    publicKey: new Uint8Array(await s.kem.serializePublicKey(kp.publicKey)),
    privateKey: new Uint8Array(await s.kem.serializePrivateKey(kp.privateKey)),
  }
}

/** The archive public key of a private one (X25519, RFC 7748). */
export function archivePublicKeyOf(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw bad('archivePrivateKey', 'must be 32 bytes (X25519)')
  return x25519.getPublicKey(privateKey)
}
