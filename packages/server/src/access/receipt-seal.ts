// Seals a receipt to each of the subject's devices with HPKE (RFC 9180, DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, AES-128-GCM: the MLS suite's HPKE from @candor/crypto, built on
// @hpke/core). The AAD is the device id, so a copy cannot be relabelled for another device.
import { RECEIPT_HPKE_INFO, toBase64Url, utf8, type AccessReceipt, type ReceiptEnvelope } from '@candor/protocol'
import { getSuite } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import type { DeviceRecord } from '@candor/ports'
import { x25519FromEd25519 } from './x25519-from-ed25519.ts'

const suite = getSuite(nodeCryptoProvider())

export async function sealReceipt(receipt: AccessReceipt, devices: readonly DeviceRecord[]): Promise<Uint8Array> {
  const { hpke } = await suite
  const plaintext = utf8(JSON.stringify(receipt))
  const copies: ReceiptEnvelope['copies'] = []
  for (const d of devices) {
    const publicKey = await hpke.importPublicKey(x25519FromEd25519(d.publicKey))
    const { enc, ct } = await hpke.seal(publicKey, plaintext, utf8(RECEIPT_HPKE_INFO), utf8(d.deviceId))
    copies.push({ device: d.deviceId, enc: toBase64Url(enc), ct: toBase64Url(ct) })
  }
  const envelope: ReceiptEnvelope = { v: 1, copies }
  return utf8(JSON.stringify(envelope))
}
