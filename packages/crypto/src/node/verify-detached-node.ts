// Ed25519 signature verification on node:crypto (OpenSSL): the same answer as verifyDetached,
// many times faster. The server's sign-in and registration checks call it directly; a Node
// client's verifyDetached (enrolments, checkpoint notes and cosignatures, every detached
// signature) uses it once useNodeEd25519() installed it — nodeCryptoProvider() does.
import { verify, type KeyObject } from 'node:crypto'
import { BoundedCache } from '../bytes.ts'
import { isAcceptedEd25519Key } from '../ed25519-key-check.ts'
import { useEd25519Verify } from '../ed25519-verifier.ts'
import { ed25519PublicKeyObject } from './node-fast-parts.ts'

// Public keys as KeyObjects: the directory's and witnesses' keys sign every checkpoint, and a
// device key signs its enrolment and its messages; an import costs ≈ 20 µs (JWK), a verify ≈ 50 µs.
const publicKeys = new BoundedCache<string, KeyObject>(1024)

/** The key as a KeyObject, or null for a key the portable check refuses (ed25519-key-check.ts); decoded once per key. */
export function nodeEd25519PublicKey(raw: Uint8Array): KeyObject | null {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')
  let key = publicKeys.get(id)
  if (key === undefined) {
    if (!isAcceptedEd25519Key(raw)) return null
    key = ed25519PublicKeyObject(raw)
    publicKeys.set(id, key)
  }
  return key
}

export function nodeVerifyDetached(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false
    if (publicKey.length !== 32 || signature.length !== 64) return false
    const key = nodeEd25519PublicKey(publicKey)
    return key !== null && verify(null, message, key, signature)
  } catch {
    return false
  }
}

/** Makes verifyDetached (and everything that checks an Ed25519 signature through it) use node:crypto. */
export function useNodeEd25519(): void {
  useEd25519Verify(nodeVerifyDetached)
}
