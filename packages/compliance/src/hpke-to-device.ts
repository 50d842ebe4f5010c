// HPKE (RFC 9180, base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM) to a device's
// directory-proven Ed25519 key, in its Montgomery (X25519) form — the map the access receipts use
// (docs/protocol.md §8) — or to a bare X25519 key (a request's ephemeral key). Nothing new has to
// be published or proven for an officer's device: the key directory already proves its key.
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { fromBase64Url, toBase64Url, utf8 } from '@candor/protocol'

export interface SealedBox {
  /** The HPKE encapsulated key, 32 bytes, base64url. */
  enc: string
  /** The ciphertext, base64url. */
  ct: string
}

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() })

const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer

/** Seals to an X25519 public key. */
export async function sealToX25519(publicKey: Uint8Array, plaintext: Uint8Array, info: string, aad: string): Promise<SealedBox> {
  if (publicKey.length !== 32) throw new TypeError('an X25519 public key is 32 bytes')
  const recipientPublicKey = await suite.kem.deserializePublicKey(buf(publicKey))
  const { enc, ct } = await suite.seal({ recipientPublicKey, info: buf(utf8(info)) }, buf(plaintext), buf(utf8(aad)))
  return { enc: toBase64Url(new Uint8Array(enc)), ct: toBase64Url(new Uint8Array(ct)) }
}

/** Opens with an X25519 secret key; throws a plain Error naming `what` when it does not open. */
export async function openWithX25519(secretKey: Uint8Array, box: SealedBox, info: string, aad: string, what: string): Promise<Uint8Array> {
  const enc = fromBase64Url(box.enc)
  const ct = fromBase64Url(box.ct)
  if (!enc || enc.length !== 32 || !ct) throw new Error(`${what}: malformed sealed box`)
  try {
    const recipientKey = await suite.kem.importKey('raw', buf(secretKey), false)
    const pt = await suite.open({ recipientKey, enc: buf(enc), info: buf(utf8(info)) }, buf(ct), buf(utf8(aad)))
    return new Uint8Array(pt)
  } catch {
    throw new Error(`${what}: does not open with this key (sealed to another key, or altered)`)
  }
}

/** Seals to a device by its Ed25519 public key (the one its key-directory entry proves). */
export function sealToDevice(devicePublicKey: Uint8Array, plaintext: Uint8Array, info: string, aad: string): Promise<SealedBox> {
  return sealToX25519(ed25519.utils.toMontgomery(devicePublicKey), plaintext, info, aad)
}

/** Opens with the device's Ed25519 secret key (seed). */
export function openAsDevice(deviceSecretKey: Uint8Array, box: SealedBox, info: string, aad: string, what: string): Promise<Uint8Array> {
  return openWithX25519(ed25519.utils.toMontgomerySecret(deviceSecretKey), box, info, aad, what)
}

/** A fresh X25519 key pair (the archive key, a request's ephemeral key). */
export function newX25519KeyPair(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = x25519.utils.randomSecretKey()
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}
