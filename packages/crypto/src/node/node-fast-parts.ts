// Faster node:crypto parts for the Node CryptoProvider (issue 18, "MLS on the client"), kept
// apart from the provider's suite plumbing. Measured on this 2-core machine (CPU time):
// importing a raw X25519 private key into OpenSSL (createPrivateKey, PKCS#8 DER) costs ≈ 580 µs
// where the DH itself costs ≈ 40 µs, a DER SPKI public import ≈ 150 µs (JWK ≈ 20 µs), a DER
// export ≈ 100 µs (JWK ≈ 5 µs); WebCrypto's HKDF/AES (what @hpke/core uses) costs a key import
// and a promise per call. So: X25519 keys kept as KeyObjects (a bounded cache by a digest of
// the secret), JWK in and out, and HKDF/HMAC/AES-GCM synchronous.
//
// Never `generateKeyPairSync` here: on Node 20 (20.20.2 here) exporting the key it made as a JWK
// can deadlock the process — the export holds the key's mutex while it allocates a string, the
// allocation runs the garbage collector, and the collector destroys the finished key-generation
// job, whose destructor takes the same mutex (main thread stuck in futex_wait under
// KeyGenJob::~KeyGenJob ← ExportJWKEdKey, seen in gdb). A loop of generate + export hangs within
// 10,000 keys; the bench's MLS fixture of 1,000 members and CI's bench smoke test hung on it.
// A random secret is imported instead (no key-generation job exists).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hash as oneShotHash,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { AeadId, KdfId, type AeadEncryptionContext, type AeadInterface, type KdfInterface } from '@hpke/core';
import type { Hash, Kdf } from 'ts-mls';
import { BoundedCache } from '../bytes.ts';
import type { X25519Primitives } from '../dhkem-x25519.ts';
import type { Sha3Functions } from '../xwing-kem.ts';

type BytesLike = ArrayBufferLike | ArrayBufferView;
type HashName = 'sha256' | 'sha384' | 'sha512';
const HASH_SIZE: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

const view = (x: BytesLike): Uint8Array =>
  ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new Uint8Array(x);
const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
/** An ArrayBuffer of exactly these bytes (a Buffer's may be a shared pool). */
const exact = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * ts-mls's Hash: the digest by crypto.hash (one call, no Hash object: ≈ 2 µs where
 * createHash().update().digest() costs ≈ 6 µs here; tree hashes call it once per node).
 */
export function nodeHash(hash: HashName = 'sha256'): Hash {
  const mac = (key: Uint8Array, data: Uint8Array) => u8(createHmac(hash, key).update(data).digest());
  return {
    digest: async (data) => u8(oneShotHash(hash, data, 'buffer')),
    mac: async (key, data) => mac(key, data),
    async verifyMac(key, tag, data) {
      const expected = mac(key, data);
      return tag.length === expected.length && timingSafeEqual(expected, tag);
    },
  };
}

/** The one-byte counters of HKDF-Expand's blocks, made once. */
const COUNTER = Array.from({ length: 256 }, (_, i) => new Uint8Array([i]));

/**
 * RFC 5869 HKDF-Expand over node:crypto HMAC. Almost every call (MLS's ExpandWithLabel: the
 * secret tree, the key schedule, path secrets) asks for at most one hash length: T(1) =
 * HMAC(PRK, info | 0x01) is then the whole output, taken as the digest node:crypto returns.
 * Most of a call (≈ 4 of ≈ 5 µs here) is createHmac setting up the keyed state in OpenSSL, and
 * node:crypto offers no way to reuse it: an Hmac cannot be copied once keyed, and hkdfSync
 * always runs Extract before Expand. (Building HMAC from copied Hash states would be writing
 * HMAC ourselves; fewer derivations — a lazy secret tree — is upstream's, docs/upstream-ts-mls.md §3.)
 */
function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const size = HASH_SIZE[hash];
  if (length > 255 * size) throw new Error('HKDF: output too long');
  if (length <= size) {
    const t = u8(createHmac(hash, prk).update(info).update(COUNTER[1]!).digest());
    return length === size ? t : t.slice(0, length);
  }
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    t = u8(createHmac(hash, prk).update(t).update(info).update(COUNTER[i]!).digest());
    out.set(t.subarray(0, Math.min(size, length - at)), at);
    at += size;
  }
  return out;
}

const hkdfExtract = (hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array =>
  u8(createHmac(hash, salt.length > 0 ? salt : new Uint8Array(HASH_SIZE[hash])).update(ikm).digest());

/** ts-mls's Kdf (key schedule, secret tree, path secrets) on node:crypto HMAC, synchronous inside. */
export function nodeKdf(hash: HashName = 'sha256'): Kdf {
  return {
    extract: async (salt, ikm) => hkdfExtract(hash, salt, ikm),
    expand: async (prk, info, len) => hkdfExpand(hash, prk, info, len),
    size: HASH_SIZE[hash],
  };
}

const HPKE_V1 = new TextEncoder().encode('HPKE-v1');
/** Labeled-extract inputs at least this long are remembered (NodeHkdf.labeledExtract). */
const LARGE_INPUT = 16 * 1024;
const asBuffer = (x: Uint8Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && asBuffer(a).equals(b);
const concat = (...parts: Uint8Array[]): Uint8Array => u8(Buffer.concat(parts));

/** HPKE's labeled HKDF (RFC 9180 §4) for @hpke/core's CipherSuite; the suite id comes through init(). */
export class NodeHkdf implements KdfInterface {
  readonly id: KdfId;
  readonly hashSize: number;
  #suiteId = new Uint8Array(0);
  #lastLarge: { label: Uint8Array; ikm: Uint8Array; prk: Uint8Array } | undefined;
  constructor(private readonly hash: HashName = 'sha256') {
    this.id = hash === 'sha256' ? KdfId.HkdfSha256 : hash === 'sha384' ? KdfId.HkdfSha384 : KdfId.HkdfSha512;
    this.hashSize = HASH_SIZE[hash];
  }
  init(suiteId: Uint8Array): void {
    this.#suiteId = suiteId.slice();
    this.#lastLarge = undefined;
  }
  buildLabeledIkm(label: Uint8Array, ikm: Uint8Array): Uint8Array {
    return concat(HPKE_V1, this.#suiteId, label, ikm);
  }
  buildLabeledInfo(label: Uint8Array, info: Uint8Array, len: number): Uint8Array {
    return concat(new Uint8Array([len >> 8, len & 0xff]), HPKE_V1, this.#suiteId, label, info);
  }
  async extract(salt: BytesLike, ikm: BytesLike): Promise<ArrayBuffer> {
    return exact(hkdfExtract(this.hash, view(salt), view(ikm)));
  }
  async expand(prk: BytesLike, info: BytesLike, len: number): Promise<ArrayBuffer> {
    return exact(hkdfExpand(this.hash, view(prk), view(info), len));
  }
  async extractAndExpand(salt: BytesLike, ikm: BytesLike, info: BytesLike, len: number): Promise<ArrayBuffer> {
    return exact(hkdfExpand(this.hash, hkdfExtract(this.hash, view(salt), view(ikm)), view(info), len));
  }
  /**
   * The key schedule's labeled extracts, the parts fed to HMAC without concatenating them. The
   * last large one is remembered: an MLS Welcome seals the same group secrets' `info` (the
   * encrypted GroupInfo, with the ratchet tree: ≈ 300 KB for 228 X-Wing members) to every new
   * member, and hashing it again for each of 100 newcomers was a third of adding them.
   */
  async labeledExtract(salt: BytesLike, label: Uint8Array, ikm: Uint8Array): Promise<ArrayBuffer> {
    const s = view(salt);
    const large = s.length === 0 && ikm.length >= LARGE_INPUT;
    const last = this.#lastLarge;
    if (large && last !== undefined && bytesEqual(last.label, label) && bytesEqual(last.ikm, ikm)) {
      return exact(last.prk);
    }
    const h = createHmac(this.hash, s.length > 0 ? s : new Uint8Array(this.hashSize));
    const prk = u8(h.update(HPKE_V1).update(this.#suiteId).update(label).update(ikm).digest());
    if (large) this.#lastLarge = { label: label.slice(), ikm: ikm.slice(), prk };
    return exact(prk);
  }
  async labeledExpand(prk: BytesLike, label: Uint8Array, info: Uint8Array, len: number): Promise<ArrayBuffer> {
    return this.expand(prk, this.buildLabeledInfo(label, info, len), len);
  }
}

/** AES-GCM (16-byte tag) on node:crypto, for ts-mls's message protection and HPKE. */
export function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
  if (aad.length > 0) c.setAAD(aad);
  return u8(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < 16) throw new Error('AES-GCM: ciphertext shorter than the tag');
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
  if (aad.length > 0) d.setAAD(aad);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  return u8(Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]));
}

/** HPKE's AEAD for @hpke/core's CipherSuite: AES-128-GCM or AES-256-GCM on node:crypto. */
export class NodeAesGcm implements AeadInterface {
  readonly id: AeadId;
  readonly keySize: number;
  readonly nonceSize = 12;
  readonly tagSize = 16;
  constructor(bits: 128 | 256 = 128) {
    this.id = bits === 128 ? AeadId.Aes128Gcm : AeadId.Aes256Gcm;
    this.keySize = bits / 8;
  }
  createEncryptionContext(key: BytesLike): AeadEncryptionContext {
    const k = view(key).slice();
    if (k.length !== this.keySize) throw new Error(`AES-GCM: key must be ${this.keySize} bytes`);
    return {
      seal: async (iv, data, aad) => exact(aesGcmSeal(k, view(iv), view(aad), view(data))),
      open: async (iv, data, aad) => exact(aesGcmOpen(k, view(iv), view(aad), view(data))),
    };
  }
}

const fromB64u = (s: string | undefined): Uint8Array => {
  if (s === undefined) throw new Error('X25519: key export lacks a field');
  return u8(Buffer.from(s, 'base64url'));
};

const ZERO_X = Buffer.alloc(32).toString('base64url');

/**
 * A raw X25519 private key as a KeyObject. As a JWK (≈ 20 µs; PKCS#8 DER costs ≈ 480 µs even on
 * an idle core): Node's JWK parser wants an `x` beside `d` but makes the key from `d` alone, so a
 * placeholder `x` is given and the public key is always read back from OpenSSL (`remember`
 * exports it), never taken from the placeholder. Should a Node version refuse the placeholder,
 * the DER import is used.
 */
function importPrivate(sk: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(sk).toString('base64url'), x: ZERO_X }, format: 'jwk' });
  } catch {
    return createPrivateKey({ key: Buffer.concat([X25519_PKCS8, sk]), format: 'der', type: 'pkcs8' });
  }
}

/**
 * X25519 on OpenSSL with the private keys kept as KeyObjects: a key generated here is never
 * imported again, and one imported (a node key derived from a path secret, a stored leaf key)
 * is imported once while it stays in the cache. `size`: private keys kept (a commit touches
 * about 2·log2(members) of them).
 */
export function nodeX25519Primitives(size = 512): X25519Primitives {
  const privateKeys = new BoundedCache<string, { key: KeyObject; pub: Uint8Array }>(size);
  const publicKeys = new BoundedCache<string, KeyObject>(size);
  // By a digest, so the map's keys are not the secrets themselves.
  const idOf = (sk: Uint8Array) => createHash('sha256').update('candor/x25519-cache').update(sk).digest('base64');
  const remember = (sk: Uint8Array, key: KeyObject, jwkX?: string) => {
    const entry = { key, pub: fromB64u(jwkX ?? key.export({ format: 'jwk' }).x) };
    privateKeys.set(idOf(sk), entry);
    return entry;
  };
  const entryOf = (sk: Uint8Array) => {
    if (sk.length !== 32) throw new Error('X25519: private key must be 32 bytes');
    return privateKeys.get(idOf(sk)) ?? remember(sk, importPrivate(sk));
  };
  const publicKeyObject = (pk: Uint8Array): KeyObject => {
    if (pk.length !== 32) throw new Error('X25519: public key must be 32 bytes');
    const id = Buffer.from(pk).toString('base64url');
    let key = publicKeys.get(id);
    if (key === undefined) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: id }, format: 'jwk' });
      publicKeys.set(id, key);
    }
    return key;
  };
  return {
    randomSecretKey() {
      // Clamped as OpenSSL's own X25519 key generation stores it (RFC 7748 §5).
      const sk = new Uint8Array(randomBytes(32));
      sk[0] = sk[0]! & 248;
      sk[31] = (sk[31]! & 127) | 64;
      remember(sk, importPrivate(sk));
      return sk;
    },
    publicKey: (sk) => entryOf(sk).pub.slice(),
    sharedSecret: (sk, pk) => u8(diffieHellman({ privateKey: entryOf(sk).key, publicKey: publicKeyObject(pk) })),
  };
}

/** An Ed25519 public KeyObject from its 32 raw bytes (JWK: ≈ 20 µs where DER SPKI costs ≈ 150 µs). */
export function ed25519PublicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error('Ed25519: public key must be 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

const digestOf = (algorithm: string, parts: Uint8Array[], outputLength?: number): Uint8Array => {
  const h = createHash(algorithm, outputLength === undefined ? undefined : { outputLength });
  for (const p of parts) h.update(p);
  return u8(h.digest());
};

/** SHA-3 and SHAKE (FIPS 202) on node:crypto, for the ML-KEM inside X-Wing (xwing-kem.ts). */
export const nodeSha3: Sha3Functions = {
  sha3_256: (...parts) => digestOf('sha3-256', parts),
  sha3_512: (...parts) => digestOf('sha3-512', parts),
  shake128: (length, ...parts) => digestOf('shake128', parts, length),
  shake256: (length, ...parts) => digestOf('shake256', parts, length),
};
