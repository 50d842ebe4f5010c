// C2SP signed-note (https://c2sp.org/signed-note): text, a blank line, then signature lines
// "— <name> base64(keyID || signature)". Parsing is strict and total: malformed input gives null.
import { fromBase64, toBase64 } from './base64.ts'
import { concatBytes, isBytes, u32be, utf8 } from './bytes.ts'

/** Verifiers must accept at least 16 signatures; more than this is treated as abuse. */
export const MAX_NOTE_SIGNATURES = 100
export const MAX_NOTE_BYTES = 1 << 20

export interface NoteSignature {
  readonly name: string
  readonly keyId: number
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array
}

export interface NoteSigner {
  readonly name: string
  readonly keyId: number
  sign(message: Uint8Array): Uint8Array
}

export interface NoteVerifier {
  readonly name: string
  readonly keyId: number
  verify(message: Uint8Array, signature: Uint8Array): boolean
}

export interface ParsedNote {
  /** The signed text, including its final newline. */
  readonly text: string
  readonly signatures: readonly NoteSignature[]
}

export interface OpenedNote extends ParsedNote {
  /** Signatures from known keys, all of which verified. */
  readonly verified: readonly NoteSignature[]
}

const DASH = '\u2014 '
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
// Control characters other than newline are forbidden anywhere in a note.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000B-\u001F]/

/** Key names are non-empty and contain no Unicode space and no '+'. */
export function isValidKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && isValidNoteString(name) && !name.includes('\n')
}

function isValidNoteString(s: string): boolean {
  return !CONTROL.test(s) && !LONE_SURROGATE.test(s)
}

/** Note text: valid, non-empty, newline-terminated, and not itself ending in a blank line. */
export function isValidNoteText(text: unknown): text is string {
  return typeof text === 'string' && text.endsWith('\n') && !text.endsWith('\n\n') && text !== '\n' && isValidNoteString(text)
}

export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  if (!isValidNoteText(text)) throw new TypeError('note text must be valid and end in one newline')
  if (signatures.length === 0) throw new TypeError('a signed note needs at least one signature')
  let out = `${text}\n`
  for (const s of signatures) {
    if (!isValidKeyName(s.name)) throw new TypeError(`invalid key name ${JSON.stringify(s.name)}`)
    out += `${DASH}${s.name} ${toBase64(concatBytes(u32be(s.keyId), s.signature))}\n`
  }
  return out
}

export function parseNote(note: unknown): ParsedNote | null {
  if (typeof note !== 'string' || note.length > MAX_NOTE_BYTES || !isValidNoteString(note)) return null
  const split = note.lastIndexOf('\n\n')
  if (split < 0) return null
  const text = note.slice(0, split + 1)
  const block = note.slice(split + 2)
  if (!isValidNoteText(text) || !block.endsWith('\n')) return null
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_NOTE_SIGNATURES) return null
  const signatures: NoteSignature[] = []
  for (const line of lines) {
    if (!line.startsWith(DASH)) return null
    const rest = line.slice(DASH.length)
    const space = rest.indexOf(' ')
    if (space < 0) return null
    const name = rest.slice(0, space)
    const raw = fromBase64(rest.slice(space + 1))
    if (!isValidKeyName(name) || raw === null || raw.length < 5) return null
    const keyId = new DataView(raw.buffer, raw.byteOffset).getUint32(0)
    signatures.push({ name, keyId, signature: raw.slice(4) })
  }
  return { text, signatures }
}

export function signNote(text: string, signers: readonly NoteSigner[]): string {
  const message = utf8(text)
  return formatNote(
    text,
    signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) })),
  )
}

/** Adds signatures (e.g. witness cosignatures) to an already signed note, keeping the others. */
export function addNoteSignatures(note: string, signers: readonly NoteSigner[]): string | null {
  const parsed = parseNote(note)
  if (parsed === null) return null
  const message = utf8(parsed.text)
  const added = signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) }))
  return formatNote(parsed.text, [...parsed.signatures, ...added])
}

/**
 * Verifies a note against trusted keys. Signatures from unknown keys are ignored, a signature
 * from a known key (same name and key ID) that fails rejects the whole note, and at least one
 * known signature must verify. Returns null on rejection, never throws.
 */
export function openNote(note: unknown, verifiers: readonly NoteVerifier[]): OpenedNote | null {
  if (!Array.isArray(verifiers)) return null
  const parsed = parseNote(note)
  if (parsed === null) return null
  const message = utf8(parsed.text)
  const verified: NoteSignature[] = []
  for (const sig of parsed.signatures) {
    const known = verifiers.filter((v) => v?.name === sig.name && v.keyId === sig.keyId)
    for (const v of known) {
      let ok = false
      try {
        ok = isBytes(sig.signature) && v.verify(message, sig.signature) === true
      } catch {
        ok = false
      }
      if (!ok) return null
      if (!verified.includes(sig)) verified.push(sig)
    }
  }
  return verified.length === 0 ? null : { ...parsed, verified }
}
