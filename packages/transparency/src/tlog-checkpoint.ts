// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text
// "<origin>\n<tree size>\n<base64 root hash>\n[extension lines\n]".
import { fromBase64, toBase64 } from './base64.ts'
import { isHash, isSafeIndex } from './bytes.ts'
import { openNote, signNote, type NoteSignature, type NoteSigner, type NoteVerifier } from './signed-note.ts'

export interface Checkpoint {
  readonly origin: string
  readonly size: number
  readonly rootHash: Uint8Array
  readonly extensions: readonly string[]
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint
  /** The exact signed body, which cosignatures also sign. */
  readonly text: string
  readonly signatures: readonly NoteSignature[]
  readonly verified: readonly NoteSignature[]
}

const DECIMAL = /^(0|[1-9][0-9]*)$/

function isLine(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && !s.includes('\n')
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint
  if (!isLine(origin)) throw new TypeError('origin must be one non-empty line')
  if (!isSafeIndex(size)) throw new TypeError('tree size must be a non-negative safe integer')
  if (!isHash(rootHash)) throw new TypeError('root hash must be 32 bytes')
  if (!extensions.every(isLine)) throw new TypeError('extension lines must be non-empty lines')
  return [origin, String(size), toBase64(rootHash), ...extensions].map((l) => `${l}\n`).join('')
}

/** Parses checkpoint note text (without signatures). Null if it is not a well-formed checkpoint. */
export function parseCheckpoint(text: unknown): Checkpoint | null {
  if (typeof text !== 'string' || !text.endsWith('\n')) return null
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3 || !lines.every((l) => l.length > 0)) return null
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]]
  if (!DECIMAL.test(sizeText)) return null
  const size = Number(sizeText)
  const rootHash = fromBase64(rootText)
  if (!isSafeIndex(size) || rootHash === null || !isHash(rootHash)) return null
  return { origin, size, rootHash, extensions }
}

export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers)
}

/**
 * Verifies a signed checkpoint: it must parse, carry the expected origin, and verify under at
 * least one of `verifiers` (normally the log's own key). Never throws.
 */
export function openCheckpoint(
  note: unknown,
  origin: string,
  verifiers: readonly NoteVerifier[],
): OpenedCheckpoint | null {
  const opened = openNote(note, verifiers)
  if (opened === null) return null
  const checkpoint = parseCheckpoint(opened.text)
  if (checkpoint === null || checkpoint.origin !== origin) return null
  return { checkpoint, text: opened.text, signatures: opened.signatures, verified: opened.verified }
}
