// DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1) as an @hpke/core KemInterface, over pluggable
// X25519 primitives: @noble/curves where WebCrypto lacks X25519, node:crypto in Node.
// Keys are plain objects shaped like CryptoKey that carry their raw bytes; ts-mls only moves
// them between import/export and seal/open, so they never reach WebCrypto.
import { KemId, type KemInterface, type RecipientContextParams, type SenderContextParams } from '@hpke/core';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export interface X25519Primitives {
  /** 32 uniformly random bytes usable as an X25519 secret key. */
  randomSecretKey(): Uint8Array;
  publicKey(secretKey: Uint8Array): Uint8Array;
  /** Raw X25519; the caller rejects an all-zero result. */
  sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

const N = 32;
const SUITE_ID = concatBytes(utf8ToBytes('KEM'), new Uint8Array([0x00, 0x20]));
const HPKE_V1 = utf8ToBytes('HPKE-v1');
const EMPTY = new Uint8Array(0);

function labeledExtract(salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return extract(sha256, concatBytes(HPKE_V1, SUITE_ID, utf8ToBytes(label), ikm), salt);
}

function labeledExpand(prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
  const l = new Uint8Array([length >> 8, length & 0xff]);
  return expand(sha256, prk, concatBytes(l, HPKE_V1, SUITE_ID, utf8ToBytes(label), info), length);
}

function asBytes(x: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength).slice();
  return new Uint8Array(x).slice();
}

function exactCopy(b: Uint8Array): ArrayBuffer {
  return b.slice().buffer;
}

/** A CryptoKey look-alike holding raw X25519 key bytes. */
export class RawX25519Key {
  readonly algorithm = { name: 'X25519' };
  readonly extractable = true;
  readonly usages: KeyUsage[];
  constructor(
    readonly type: 'public' | 'private',
    readonly raw: Uint8Array,
  ) {
    this.usages = type === 'private' ? ['deriveBits'] : [];
  }
}

function rawOf(key: unknown, type: 'public' | 'private'): Uint8Array {
  if (!(key instanceof RawX25519Key) || key.type !== type) {
    throw new TypeError(`expected an X25519 ${type} key from this provider`);
  }
  return key.raw;
}

function asCryptoKey(k: RawX25519Key): CryptoKey {
  return k as unknown as CryptoKey;
}

function isKeyPair(x: unknown): x is CryptoKeyPair {
  return typeof x === 'object' && x !== null && 'privateKey' in x && 'publicKey' in x;
}

export class DhkemX25519 implements KemInterface {
  readonly id = KemId.DhkemX25519HkdfSha256;
  readonly secretSize = N;
  readonly encSize = N;
  readonly publicKeySize = N;
  readonly privateKeySize = N;

  constructor(private readonly x25519: X25519Primitives) {}

  private dh(sk: Uint8Array, pk: Uint8Array): Uint8Array {
    const out = this.x25519.sharedSecret(sk, pk);
    if (out.length !== N || out.every((b) => b === 0)) throw new Error('X25519: invalid shared secret');
    return out;
  }

  private pair(sk: Uint8Array): CryptoKeyPair {
    return {
      privateKey: asCryptoKey(new RawX25519Key('private', sk)),
      publicKey: asCryptoKey(new RawX25519Key('public', this.x25519.publicKey(sk))),
    };
  }

  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    return exactCopy(rawOf(key, 'public'));
  }
  async deserializePublicKey(key: ArrayBufferLike | ArrayBufferView): Promise<CryptoKey> {
    const raw = asBytes(key);
    if (raw.length !== N) throw new Error('X25519: public key must be 32 bytes');
    return asCryptoKey(new RawX25519Key('public', raw));
  }
  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    return exactCopy(rawOf(key, 'private'));
  }
  async deserializePrivateKey(key: ArrayBufferLike | ArrayBufferView): Promise<CryptoKey> {
    const raw = asBytes(key);
    if (raw.length !== N) throw new Error('X25519: private key must be 32 bytes');
    return asCryptoKey(new RawX25519Key('private', raw));
  }
  async importKey(format: 'raw' | 'jwk', key: ArrayBuffer | JsonWebKey, isPublic = true): Promise<CryptoKey> {
    if (format !== 'raw' || !(key instanceof ArrayBuffer)) throw new Error('X25519: only raw keys are supported');
    return isPublic ? this.deserializePublicKey(key) : this.deserializePrivateKey(key);
  }
  async generateKeyPair(): Promise<CryptoKeyPair> {
    return this.pair(this.x25519.randomSecretKey());
  }
  async deriveKeyPair(ikm: ArrayBufferLike | ArrayBufferView): Promise<CryptoKeyPair> {
    const prk = labeledExtract(EMPTY, 'dkp_prk', asBytes(ikm));
    return this.pair(labeledExpand(prk, 'sk', EMPTY, N));
  }

  async encap(params: SenderContextParams): Promise<{ sharedSecret: ArrayBuffer; enc: ArrayBuffer }> {
    if (params.senderKey !== undefined) throw new Error('DHKEM: auth mode is not supported');
    const eph =
      params.ekm === undefined
        ? await this.generateKeyPair()
        : isKeyPair(params.ekm)
          ? params.ekm
          : await this.deriveKeyPair(params.ekm);
    const pkR = rawOf(params.recipientPublicKey, 'public');
    const enc = rawOf(eph.publicKey, 'public');
    const dh = this.dh(rawOf(eph.privateKey, 'private'), pkR);
    return { sharedSecret: exactCopy(this.extractAndExpand(dh, concatBytes(enc, pkR))), enc: exactCopy(enc) };
  }

  async decap(params: RecipientContextParams): Promise<ArrayBuffer> {
    if (params.senderPublicKey !== undefined) throw new Error('DHKEM: auth mode is not supported');
    const skR = rawOf(isKeyPair(params.recipientKey) ? params.recipientKey.privateKey : params.recipientKey, 'private');
    const enc = asBytes(params.enc);
    if (enc.length !== N) throw new Error('DHKEM: enc must be 32 bytes');
    const dh = this.dh(skR, enc);
    const kemContext = concatBytes(enc, this.x25519.publicKey(skR));
    return exactCopy(this.extractAndExpand(dh, kemContext));
  }

  private extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
    const prk = labeledExtract(EMPTY, 'eae_prk', dh);
    return labeledExpand(prk, 'shared_secret', kemContext, N);
  }
}
