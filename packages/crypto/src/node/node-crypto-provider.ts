// The Node CryptoProvider: node:crypto (OpenSSL) for hashing, HMAC, AES-GCM, Ed25519 and
// X25519; HPKE framing through @hpke/core; HKDF through @noble/hashes.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import type { Ciphersuite, CiphersuiteImpl, CryptoProvider, Hash, Signature } from 'ts-mls';
import { BoundedCache } from '../bytes.ts';
import { assertOurSuite } from '../ciphersuite.ts';
import { DhkemX25519 } from '../dhkem-x25519.ts';
import { makeHpke, type Aead } from '../hpke-suite.ts';
import { nobleEd25519, nobleKdf } from '../webcrypto-provider.ts';

const der = (hex: string) => Buffer.from(hex, 'hex');
// RFC 8410 DER prefixes; the raw 32-byte key follows each.
const ED25519_PKCS8 = der('302e020100300506032b657004220420');
const ED25519_SPKI = der('302a300506032b6570032100');
const X25519_PKCS8 = der('302e020100300506032b656e04220420');
const X25519_SPKI = der('302a300506032b656e032100');

const privateKeyObject = (prefix: Buffer, raw: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
const publicKeyObject = (prefix: Buffer, raw: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'spki' });
const rawPublic = (k: KeyObject): Uint8Array =>
  new Uint8Array(k.export({ format: 'der', type: 'spki' }).subarray(12));

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const nodeHash: Hash = {
  digest: async (data) => u8(createHash('sha256').update(data).digest()),
  mac: async (key, data) => u8(createHmac('sha256', key).update(data).digest()),
  async verifyMac(key, mac, data) {
    const expected = createHmac('sha256', key).update(data).digest();
    return mac.length === expected.length && timingSafeEqual(expected, mac);
  },
};

const nodeAead: Aead = {
  async encrypt(key, nonce, aad, plaintext) {
    const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
    if (aad.length > 0) c.setAAD(aad);
    return u8(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
  },
  async decrypt(key, nonce, aad, ciphertext) {
    if (ciphertext.length < 16) throw new Error('AES-GCM: ciphertext shorter than the tag');
    const d = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
    if (aad.length > 0) d.setAAD(aad);
    d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    return u8(Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]));
  },
};

function nodeEd25519(): Signature {
  // Verification dominates (every received message); signing keys are few per process.
  const publicKeys = new BoundedCache<string, KeyObject>(1024);
  const privateKeys = new BoundedCache<string, KeyObject>(16);
  return {
    async sign(signKey, message) {
      if (signKey.length !== 32) throw new TypeError('Ed25519 signKey must be a 32-byte seed');
      // Cache by a digest, so the map's keys are not the secret itself.
      const id = createHash('sha256').update('candor/ed25519-cache').update(signKey).digest('base64');
      let key = privateKeys.get(id);
      if (key === undefined) {
        key = privateKeyObject(ED25519_PKCS8, signKey);
        privateKeys.set(id, key);
      }
      return u8(nodeSign(null, message, key));
    },
    async verify(publicKey, message, signature) {
      try {
        if (publicKey.length !== 32 || signature.length !== 64) return false;
        const id = Buffer.from(publicKey).toString('base64');
        let key = publicKeys.get(id);
        if (key === undefined) {
          key = publicKeyObject(ED25519_SPKI, publicKey);
          publicKeys.set(id, key);
        }
        return nodeVerify(null, message, key, signature);
      } catch {
        return false;
      }
    },
    keygen: nobleEd25519.keygen,
  };
}

const nodeX25519Kem = () =>
  new DhkemX25519({
    randomSecretKey: () => u8(randomBytes(32)),
    publicKey: (sk) => rawPublic(createPublicKey(privateKeyObject(X25519_PKCS8, sk))),
    sharedSecret: (sk, pk) =>
      u8(diffieHellman({ privateKey: privateKeyObject(X25519_PKCS8, sk), publicKey: publicKeyObject(X25519_SPKI, pk) })),
  });

/** A ts-mls CryptoProvider backed by node:crypto. */
export function nodeCryptoProvider(): CryptoProvider {
  return {
    async getCiphersuiteImpl(cs: Ciphersuite): Promise<CiphersuiteImpl> {
      assertOurSuite(cs);
      return {
        name: cs.name,
        hash: nodeHash,
        kdf: nobleKdf,
        signature: nodeEd25519(),
        hpke: makeHpke(nodeX25519Kem(), nodeAead),
        rng: { randomBytes: (n) => u8(randomBytes(n)) },
      };
    },
  };
}
