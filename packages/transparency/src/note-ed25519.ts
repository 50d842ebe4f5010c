// Ed25519 note keys, signature type 0x01 of C2SP signed-note, and the key ID rule shared by all
// signature types.
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256Digest, verifyDetached } from '@candor/crypto'
import { concatBytes, isBytes, utf8 } from './bytes.ts'
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './signed-note.ts'

export const SIG_TYPE_ED25519 = 0x01
export const SIG_TYPE_COSIGNATURE_V1 = 0x04

/** key ID = SHA-256(name || 0x0A || type || public key)[:4], as a big-endian uint32. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = sha256Digest(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey))
  return new DataView(digest.buffer, digest.byteOffset).getUint32(0)
}

export function ed25519NoteSigner(name: string, secretKey: Uint8Array): NoteSigner {
  if (!isValidKeyName(name)) throw new TypeError('invalid key name')
  if (!isBytes(secretKey, 32)) throw new TypeError('Ed25519 secret key must be 32 bytes')
  const seed = secretKey.slice()
  const keyId = noteKeyId(name, SIG_TYPE_ED25519, ed25519.getPublicKey(seed))
  return { name, keyId, sign: (message) => ed25519.sign(message, seed) }
}

export function ed25519NoteVerifier(name: string, publicKey: Uint8Array): NoteVerifier | null {
  if (!isValidKeyName(name) || !isBytes(publicKey, 32)) return null
  const key = publicKey.slice()
  return {
    name,
    keyId: noteKeyId(name, SIG_TYPE_ED25519, key),
    verify(message, signature) {
      // verifyDetached: node:crypto in a Node process that installed it, @noble/curves otherwise.
      return isBytes(message) && isBytes(signature, 64) && verifyDetached(key, message, signature)
    },
  }
}
