// Adapts an @hpke/core CipherSuite (base mode) to ts-mls's Hpke interface for our suites:
// HKDF-SHA256/AES-128-GCM (suite 1) or HKDF-SHA512/AES-256-GCM (the X-Wing suite). The KEM is
// chosen by the provider; the standalone AEAD (used by ts-mls for message protection) too.
import { Aes128Gcm, Aes256Gcm, CipherSuite, HkdfSha256, HkdfSha512, type AeadInterface, type KdfInterface, type KemInterface } from '@hpke/core';
import type { Hpke, PrivateKey, PublicKey } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { toBufferSource } from './bytes.ts';

export interface Aead {
  encrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  decrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

const NO_AAD = new Uint8Array(0);

async function orCryptoError<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new CryptoError(e instanceof Error ? e.message : String(e));
  }
}

/** HPKE's own KDF and AEAD; @hpke/core's (WebCrypto) unless the runtime lacks crypto.subtle. */
export interface HpkeParts {
  kdf: KdfInterface;
  aead: AeadInterface;
}

/** The suite's HPKE KDF and AEAD, as the HPKE key schedule and the standalone AEAD need them. */
export interface HpkeSuiteParams {
  hash: 'sha256' | 'sha512';
  aeadKeyLength: 16 | 32;
}

export function makeHpke(kem: KemInterface, aead: Aead, params: HpkeSuiteParams, parts?: HpkeParts): Hpke {
  const suite = new CipherSuite({
    kem,
    kdf: parts?.kdf ?? (params.hash === 'sha512' ? new HkdfSha512() : new HkdfSha256()),
    aead: parts?.aead ?? (params.aeadKeyLength === 32 ? new Aes256Gcm() : new Aes128Gcm()),
  });
  const buf = toBufferSource;
  // The info as a whole ArrayBuffer where it is one: @hpke/core copies a view before hashing it,
  // and a Welcome's info (the encrypted GroupInfo with the ratchet tree) is ≈ 300 KB per newcomer
  // for a large X-Wing group.
  const infoOf = (info: Uint8Array): ArrayBuffer | Uint8Array<ArrayBuffer> => {
    const b = buf(info);
    return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b;
  };
  return {
    keyLength: params.aeadKeyLength,
    nonceLength: 12,
    open: (privateKey, kemOutput, ciphertext, info, aad) =>
      orCryptoError(async () => {
        const pt = await suite.open(
          { recipientKey: privateKey, enc: buf(kemOutput), info: infoOf(info) },
          buf(ciphertext),
          buf(aad ?? NO_AAD),
        );
        return new Uint8Array(pt);
      }),
    async seal(publicKey, plaintext, info, aad) {
      const r = await suite.seal({ recipientPublicKey: publicKey, info: infoOf(info) }, buf(plaintext), buf(aad ?? NO_AAD));
      return { ct: new Uint8Array(r.ct), enc: new Uint8Array(r.enc) };
    },
    async exportSecret(publicKey, exporterContext, length, info) {
      const ctx = await suite.createSenderContext({ recipientPublicKey: publicKey, info: infoOf(info) });
      const secret = await ctx.export(buf(exporterContext), length);
      return { enc: new Uint8Array(ctx.enc), secret: new Uint8Array(secret) };
    },
    importSecret: (privateKey, exporterContext, kemOutput, length, info) =>
      orCryptoError(async () => {
        const ctx = await suite.createRecipientContext({ recipientKey: privateKey, enc: buf(kemOutput), info: infoOf(info) });
        return new Uint8Array(await ctx.export(buf(exporterContext), length));
      }),
    importPrivateKey: (k) => orCryptoError(async () => (await kem.deserializePrivateKey(buf(k))) as PrivateKey),
    importPublicKey: (k) => orCryptoError(async () => (await kem.deserializePublicKey(buf(k))) as PublicKey),
    exportPublicKey: async (k) => new Uint8Array(await kem.serializePublicKey(k)),
    exportPrivateKey: async (k) => new Uint8Array(await kem.serializePrivateKey(k)),
    encryptAead: (key, nonce, aad, plaintext) => aead.encrypt(key, nonce, aad ?? NO_AAD, plaintext),
    decryptAead: (key, nonce, aad, ciphertext) =>
      orCryptoError(() => aead.decrypt(key, nonce, aad ?? NO_AAD, ciphertext)),
    async deriveKeyPair(ikm) {
      const kp = await kem.deriveKeyPair(buf(ikm));
      return { privateKey: kp.privateKey as PrivateKey, publicKey: kp.publicKey as PublicKey };
    },
    async generateKeyPair() {
      const kp = await kem.generateKeyPair();
      return { privateKey: kp.privateKey as PrivateKey, publicKey: kp.publicKey as PublicKey };
    },
  };
}
