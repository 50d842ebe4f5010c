// HKDF-SHA256/SHA512 and AES-128/256-GCM for @hpke/core's CipherSuite on @noble/*, for runtimes
// without crypto.subtle (browsers in insecure contexts). @hpke/core's own versions need WebCrypto.
import { AeadId, KdfId, type AeadEncryptionContext, type AeadInterface, type KdfInterface } from '@hpke/core';
import { gcm } from '@noble/ciphers/aes.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes, type CHash } from '@noble/hashes/utils.js';

type BytesLike = ArrayBufferLike | ArrayBufferView;

function bytes(x: BytesLike): Uint8Array {
  return ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new Uint8Array(x);
}

const out = (b: Uint8Array): ArrayBuffer => b.slice().buffer;
const HPKE_V1 = utf8ToBytes('HPKE-v1');

/** RFC 9180 §4 labeled HKDF-SHA256 or -SHA512; the suite id is set by CipherSuite through init(). */
export class NobleHkdf implements KdfInterface {
  readonly id: KdfId;
  readonly hashSize: number;
  readonly #hash: CHash;
  #suiteId = new Uint8Array(0);

  constructor(hash: 'sha256' | 'sha512' = 'sha256') {
    this.#hash = hash === 'sha512' ? sha512 : sha256;
    this.id = hash === 'sha512' ? KdfId.HkdfSha512 : KdfId.HkdfSha256;
    this.hashSize = hash === 'sha512' ? 64 : 32;
  }

  init(suiteId: Uint8Array): void {
    this.#suiteId = suiteId.slice();
  }
  buildLabeledIkm(label: Uint8Array, ikm: Uint8Array): Uint8Array {
    return concatBytes(HPKE_V1, this.#suiteId, label, ikm);
  }
  buildLabeledInfo(label: Uint8Array, info: Uint8Array, len: number): Uint8Array {
    return concatBytes(new Uint8Array([len >> 8, len & 0xff]), HPKE_V1, this.#suiteId, label, info);
  }
  async extract(salt: BytesLike, ikm: BytesLike): Promise<ArrayBuffer> {
    return out(extract(this.#hash, bytes(ikm), bytes(salt)));
  }
  async expand(prk: BytesLike, info: BytesLike, len: number): Promise<ArrayBuffer> {
    return out(expand(this.#hash, bytes(prk), bytes(info), len));
  }
  async extractAndExpand(salt: BytesLike, ikm: BytesLike, info: BytesLike, len: number): Promise<ArrayBuffer> {
    return this.expand(await this.extract(salt, ikm), info, len);
  }
  async labeledExtract(salt: BytesLike, label: Uint8Array, ikm: Uint8Array): Promise<ArrayBuffer> {
    return this.extract(salt, this.buildLabeledIkm(label, ikm));
  }
  async labeledExpand(prk: BytesLike, label: Uint8Array, info: Uint8Array, len: number): Promise<ArrayBuffer> {
    return this.expand(prk, this.buildLabeledInfo(label, info, len), len);
  }
}

/** AES-128-GCM or AES-256-GCM by key size. */
export class NobleAesGcm implements AeadInterface {
  readonly id: AeadId;
  readonly nonceSize = 12;
  readonly tagSize = 16;

  constructor(readonly keySize: 16 | 32 = 16) {
    this.id = keySize === 32 ? AeadId.Aes256Gcm : AeadId.Aes128Gcm;
  }

  createEncryptionContext(key: BytesLike): AeadEncryptionContext {
    const k = bytes(key).slice();
    if (k.length !== this.keySize) throw new Error(`AES-GCM: key must be ${this.keySize} bytes`);
    return {
      seal: async (iv, data, aad) => out(gcm(k, bytes(iv), bytes(aad)).encrypt(bytes(data))),
      open: async (iv, data, aad) => out(gcm(k, bytes(iv), bytes(aad)).decrypt(bytes(data))),
    };
  }
}
