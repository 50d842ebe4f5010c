// The "vkey" text form of a note verifier key, as in Go's golang.org/x/mod/sumdb/note and C2SP:
// "<name>+<8 hex digit key ID>+base64(signature type || public key)".
import { fromBase64, toBase64 } from './base64.ts'
import { concatBytes } from './bytes.ts'
import { ed25519NoteVerifier, noteKeyId, SIG_TYPE_COSIGNATURE_V1, SIG_TYPE_ED25519 } from './note-ed25519.ts'
import { isValidKeyName, type NoteVerifier } from './signed-note.ts'
import { cosignatureVerifier } from './tlog-cosignature.ts'

export interface VerifierKey {
  readonly name: string
  readonly keyId: number
  readonly type: number
  readonly publicKey: Uint8Array
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new TypeError('invalid key name')
  const keyId = noteKeyId(name, type, publicKey)
  return `${name}+${keyId.toString(16).padStart(8, '0')}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`
}

/** Parses a vkey and checks that its key ID matches its name and key. */
export function parseVerifierKey(vkey: unknown): VerifierKey | null {
  if (typeof vkey !== 'string' || vkey.length > 8192) return null
  // The base64 key may itself contain '+': split at the first two only (as Go's strings.Cut does).
  const first = vkey.indexOf('+')
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1)
  if (second < 0) return null
  const [name, hash, b64] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)]
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hash)) return null
  const raw = fromBase64(b64)
  if (raw === null || raw.length < 2) return null
  const type = raw[0]!
  const publicKey = raw.slice(1)
  const keyId = noteKeyId(name, type, publicKey)
  if (keyId !== parseInt(hash, 16)) return null
  return { name, keyId, type, publicKey }
}

/** A verifier for a vkey of type 0x01 (Ed25519) or 0x04 (cosignature/v1); null otherwise. */
export function noteVerifierFromKey(vkey: unknown): NoteVerifier | null {
  const key = parseVerifierKey(vkey)
  if (key === null) return null
  if (key.type === SIG_TYPE_ED25519) return ed25519NoteVerifier(key.name, key.publicKey)
  if (key.type === SIG_TYPE_COSIGNATURE_V1) return cosignatureVerifier(key.name, key.publicKey)
  return null
}
