// The authenticated data of a commit (docs/protocol.md §5.1): which key-directory checkpoint its
// committer verified the new credentials against, so every member judges them against the
// directory as it was then (not as it is when they happen to process the commit). RFC 8785
// canonical JSON, like the directory entry: decoding re-encodes and compares bytes, so one
// checkpoint has one encoding. The MLS message authenticates it; nothing here is secret.
import canonicalize from 'canonicalize'
import { fromUtf8, utf8 } from './bytes.ts'
import { parseFixedBytes } from './binary-fields.ts'
import type { CheckpointRef } from './content/content-types.ts'
import { CandorError } from './errors.ts'
import { parseLogSize } from './number-fields.ts'

export const HANDSHAKE_AAD_VERSION = 1

/** Far above any real encoding (about 80 bytes): refused before parsing. */
export const HANDSHAKE_AAD_MAX_BYTES = 512

export interface HandshakeAad {
  readonly v: 1
  /** The directory checkpoint (size ≥ 1, 32-byte root) the committer verified against. */
  readonly directory: CheckpointRef
}

function refuse(field: string, reason: string, cause?: unknown): CandorError {
  return new CandorError('invalid_mls_message', `handshake authenticated data: ${field}: ${reason}`, {
    details: { field },
    ...(cause === undefined ? {} : { cause }),
  })
}

/** The field parsers' bad_request, as a refusal of the message that carried the field. */
function field<T>(parse: () => T, name: string): T {
  try {
    return parse()
  } catch (e) {
    if (e instanceof CandorError) throw refuse(name, (e.details?.reason as string | undefined) ?? e.message, e)
    throw e
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function encodeHandshakeAad(aad: HandshakeAad): Uint8Array {
  const size = field(() => parseLogSize(aad.directory.size, 'directory.size'), 'directory.size')
  const root = field(() => parseFixedBytes(aad.directory.root, 'directory.root', 32, 'a tree hash'), 'directory.root')
  return utf8(canonicalize({ v: HANDSHAKE_AAD_VERSION, directory: { size, root } }) ?? '')
}

/**
 * The authenticated data of a commit (or the same bytes from a Welcome's GroupInfo), or a
 * CandorError('invalid_mls_message') naming the field. Empty bytes are not an encoding: a
 * commit without authenticated data (an older client's) is the caller's case to handle.
 */
export function decodeHandshakeAad(bytes: Uint8Array): HandshakeAad {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw refuse('aad', 'is empty')
  if (bytes.length > HANDSHAKE_AAD_MAX_BYTES) throw refuse('aad', `is over ${HANDSHAKE_AAD_MAX_BYTES} bytes`)
  let o: unknown
  try {
    o = JSON.parse(fromUtf8(bytes))
  } catch (e) {
    throw refuse('aad', 'is not UTF-8 JSON', e)
  }
  if (!isObject(o)) throw refuse('aad', 'must be an object')
  if (o.v !== HANDSHAKE_AAD_VERSION) throw refuse('v', `must be ${HANDSHAKE_AAD_VERSION} (this version reads no other)`)
  const directory = o.directory
  if (!isObject(directory)) throw refuse('directory', 'must be an object')
  const size = field(() => parseLogSize(directory.size, 'directory.size'), 'directory.size')
  const root = field(() => parseFixedBytes(directory.root, 'directory.root', 32, 'a tree hash'), 'directory.root')
  const aad: HandshakeAad = { v: HANDSHAKE_AAD_VERSION, directory: { size, root } }
  // Re-encoding keeps only known fields, in canonical order: anything else fails here.
  const again = encodeHandshakeAad(aad)
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw refuse('aad', 'is not the canonical encoding (RFC 8785, no other fields)')
  return aad
}
