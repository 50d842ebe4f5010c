// Server-side checks of an uploaded KeyPackage: it decodes, uses our cipher suite, is signed
// by the uploading device's key and names that device in its credential. Clients check again
// (with the key directory) before they add anyone; this keeps garbage out of the store.
import { decodeMlsMessage } from 'ts-mls'
import { verifyKeyPackage } from 'ts-mls/keyPackage.js'
import { CandorError, bytesEqual, type DeviceId, type UserId } from '@candor/protocol'
import { CIPHERSUITE, decodeDeviceCredential, getSuite } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'

const suite = getSuite(nodeCryptoProvider())

export async function checkKeyPackage(
  bytes: Uint8Array,
  owner: { userId: UserId; deviceId: DeviceId; publicKey: Uint8Array },
): Promise<void> {
  const bad = (why: string, cause?: unknown) =>
    new CandorError('invalid_key_package', `key package rejected: ${why}`, cause === undefined ? undefined : { cause })
  let decoded
  try {
    decoded = decodeMlsMessage(bytes, 0)
  } catch (e) {
    throw bad('does not decode', e)
  }
  if (!decoded || decoded[1] !== bytes.length) throw bad('does not decode to exactly one message')
  const msg = decoded[0]
  if (msg.wireformat !== 'mls_key_package') throw bad('not a key package')
  const kp = msg.keyPackage
  if (kp.cipherSuite !== CIPHERSUITE) throw bad(`cipher suite must be ${CIPHERSUITE}`)
  if (!bytesEqual(kp.leafNode.signaturePublicKey, owner.publicKey)) throw bad('not signed by this device key')
  const who = decodeDeviceCredential(kp.leafNode.credential)
  if (!who || who.userId !== owner.userId || who.deviceId !== owner.deviceId) throw bad('credential names another device')
  if (!(await verifyKeyPackage(kp, (await suite).signature))) throw bad('signature does not verify')
}
