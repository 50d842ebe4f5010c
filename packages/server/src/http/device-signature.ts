// The one check of a device's signature over a signed statement (docs/protocol.md §4).
import { CandorError, base64UrlBytes, type SignatureB64 } from '@candor/protocol'
import { nodeVerifyDetached as verifyDetached } from '@candor/crypto/node'

export function checkSignature(publicKey: Uint8Array, statement: Uint8Array, signature: SignatureB64): void {
  if (!verifyDetached(publicKey, statement, base64UrlBytes(signature))) {
    throw new CandorError('bad_signature', 'the signature does not verify with this device key')
  }
}
