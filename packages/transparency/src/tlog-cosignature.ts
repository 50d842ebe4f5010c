// C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519 "cosignature/v1" type:
// signature type 0x04, note signature = u64 timestamp || Ed25519 over
// "cosignature/v1\ntime <t>\n" || checkpoint body.
import { ed25519 } from '@noble/curves/ed25519.js'
import { verifyDetached } from '@candor/crypto'
import { concatBytes, isBytes, u64be, utf8 } from './bytes.ts'
import { noteKeyId, SIG_TYPE_COSIGNATURE_V1 } from './note-ed25519.ts'
import { isValidKeyName, type NoteSignature, type NoteSigner, type NoteVerifier } from './signed-note.ts'

const MAX_TIMESTAMP = 2n ** 63n - 1n

/** The signed message; `checkpointBody` is the UTF-8 checkpoint note text without signatures. */
export function cosignatureMessage(timestamp: number, checkpointBody: Uint8Array): Uint8Array {
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), checkpointBody)
}

export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  return noteKeyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey)
}

/** The timestamp of a cosignature/v1 signature (the 72 bytes after the key ID), or null. */
export function cosignatureTimestamp(signature: NoteSignature | Uint8Array): number | null {
  const bytes = signature instanceof Uint8Array ? signature : signature?.signature
  if (!isBytes(bytes, 72)) return null
  const t = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0)
  return t > MAX_TIMESTAMP || t > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(t)
}

/** A witness signer. `now` returns POSIX seconds; defaults to the wall clock. */
export function cosigner(
  name: string,
  secretKey: Uint8Array,
  now: () => number = () => Math.floor(Date.now() / 1000),
): NoteSigner {
  if (!isValidKeyName(name)) throw new TypeError('invalid cosigner name')
  if (!isBytes(secretKey, 32)) throw new TypeError('Ed25519 secret key must be 32 bytes')
  const seed = secretKey.slice()
  const keyId = cosignatureKeyId(name, ed25519.getPublicKey(seed))
  return {
    name,
    keyId,
    sign(message) {
      const timestamp = now()
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('bad timestamp')
      const sig = ed25519.sign(cosignatureMessage(timestamp, message), seed)
      return concatBytes(u64be(timestamp), sig)
    },
  }
}

export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier | null {
  if (!isValidKeyName(name) || !isBytes(publicKey, 32)) return null
  const key = publicKey.slice()
  return {
    name,
    keyId: cosignatureKeyId(name, key),
    verify(message, signature) {
      const timestamp = cosignatureTimestamp(signature)
      if (timestamp === null || !isBytes(message)) return false
      // verifyDetached: node:crypto in a Node process that installed it, @noble/curves otherwise.
      return verifyDetached(key, cosignatureMessage(timestamp, message), signature.subarray(8))
    },
  }
}
