// The archive's index (docs/protocol.md §11.4): one canonical JSON line per sealed record — its
// id, conversation, sender, time, when its disappearing timer runs out (if it has one) and the
// SHA-256 of the sealed file — and nothing of its content. Lines are appended; only the archive's
// deletion sweep (§11.12) rewrites the file, without the lines of the records it deleted.
import { sha256 } from '@noble/hashes/sha2.js'
import canonicalize from 'canonicalize'
import { isDeviceId, isGroupId, isUserId, toBase64Url, fromBase64Url } from '@candor/protocol'
import { ArchiveRecordError, isRecordId, type ArchiveRecord } from './archive-record.ts'

export interface ArchiveIndexLine {
  id: string
  conversation: string
  sender: { user: string; device: string }
  /** The record's receivedAt (ms). */
  at: number
  /** base64url SHA-256 of the sealed file's bytes. */
  sha256: string
  /** When the conversation's disappearing timer deletes the record (ms); absent: no timer. */
  expiresAt?: number
}

export function indexLineFor(record: ArchiveRecord, sealed: Uint8Array, expiresAt?: number): ArchiveIndexLine {
  return {
    id: record.id,
    conversation: record.conversation,
    sender: { ...record.sender },
    at: record.receivedAt,
    sha256: sealedDigest(sealed),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  }
}

export function sealedDigest(sealed: Uint8Array): string {
  return toBase64Url(sha256(sealed))
}

export function encodeIndexLine(line: ArchiveIndexLine): string {
  return `${canonicalize(line)!}\n`
}

/** Parses one line (without its newline); canonical JSON only. */
export function parseIndexLine(text: string): ArchiveIndexLine {
  const bad = (f: string, r: string) => new ArchiveRecordError(`index.${f}`, r)
  let o: Record<string, unknown>
  try {
    o = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('(line)', 'is not JSON')
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('(line)', 'must be an object')
  const keys = Object.keys(o).sort().join(',')
  if (keys !== 'at,conversation,id,sender,sha256' && keys !== 'at,conversation,expiresAt,id,sender,sha256') {
    throw bad('(line)', 'must have exactly id, conversation, sender, at, sha256 (and expiresAt when the record has a timer)')
  }
  if (!isRecordId(o.id)) throw bad('id', 'must be a record id')
  if (!isGroupId(o.conversation)) throw bad('conversation', 'must be a GroupId')
  const s = o.sender as Record<string, unknown> | null
  if (typeof s !== 'object' || s === null || Object.keys(s).length !== 2 || !isUserId(s.user) || !isDeviceId(s.device)) throw bad('sender', 'must be { user, device }')
  if (typeof o.at !== 'number' || !Number.isSafeInteger(o.at) || o.at < 0) throw bad('at', 'must be a safe integer ≥ 0')
  if (o.expiresAt !== undefined && (typeof o.expiresAt !== 'number' || !Number.isSafeInteger(o.expiresAt) || o.expiresAt < 0)) throw bad('expiresAt', 'must be a safe integer ≥ 0')
  if (typeof o.sha256 !== 'string' || fromBase64Url(o.sha256)?.length !== 32) throw bad('sha256', 'must be 32 bytes in canonical base64url')
  if (canonicalize(o) !== text) throw bad('(line)', 'is not in canonical form')
  return o as unknown as ArchiveIndexLine
}
