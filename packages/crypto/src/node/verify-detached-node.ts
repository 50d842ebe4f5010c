// Ed25519 signature verification on node:crypto (OpenSSL): the same answer as verifyDetached,
// several times faster, for the server's sign-in and registration checks.
import { createPublicKey, verify } from 'node:crypto'

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export function nodeVerifyDetached(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false
    if (publicKey.length !== 32 || signature.length !== 64) return false
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    return verify(null, message, key, signature)
  } catch {
    return false
  }
}
