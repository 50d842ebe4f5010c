// The browser CryptoProvider: WebCrypto where the runtime has the algorithm, @noble/* per
// operation where it does not. Features are probed once per provider.
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { DhkemX25519HkdfSha256, type KemInterface } from '@hpke/core';
import type { Ciphersuite, CiphersuiteImpl, CryptoProvider, Hash, Kdf, Rng, Signature } from 'ts-mls';
import { BoundedCache, constantTimeEqual, toBufferSource as buf } from './bytes.ts';
import { suiteParams, type SuiteParams } from './ciphersuite.ts';
import { DhkemX25519 } from './dhkem-x25519.ts';
import { isAcceptedEd25519Key } from './ed25519-key-check.ts';
import { makeHpke, type Aead } from './hpke-suite.ts';
import { NobleAesGcm, NobleHkdf } from './noble-hpke-parts.ts';
import { xWingKem } from './xwing-kem.ts';

export interface WebCryptoFeatures {
  /** crypto.subtle exists (secure context): SHA-256, HMAC, AES-GCM, and HPKE's HKDF. */
  subtle: boolean;
  ed25519: boolean;
  x25519: boolean;
}

export interface WebCryptoProviderOptions {
  /** Override feature detection, e.g. to force the @noble fallbacks in tests. */
  features?: Partial<WebCryptoFeatures>;
}

// RFC 8032 §7.1 test 1: a real verify proves Ed25519 works, not just that the name parses.
const ED_PK = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const ED_SIG = hex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export async function detectWebCryptoFeatures(): Promise<WebCryptoFeatures> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return { subtle: false, ed25519: false, x25519: false };
  const ed = await subtle
    .importKey('raw', buf(ED_PK), { name: 'Ed25519' }, false, ['verify'])
    .then((k) => subtle.verify({ name: 'Ed25519' }, k, buf(ED_SIG), new Uint8Array(0)))
    .catch(() => false);
  const x = await subtle
    .generateKey({ name: 'X25519' }, true, ['deriveBits'])
    .then((kp) => 'privateKey' in kp)
    .catch(() => false);
  return { subtle: true, ed25519: ed, x25519: x };
}

const nobleAead: Aead = {
  async encrypt(key, nonce, aad, plaintext) {
    return gcm(key, nonce, aad).encrypt(plaintext);
  },
  async decrypt(key, nonce, aad, ciphertext) {
    return gcm(key, nonce, aad).decrypt(ciphertext);
  },
};

function subtleAead(subtle: SubtleCrypto): Aead {
  const params = (nonce: Uint8Array, aad: Uint8Array): AesGcmParams =>
    aad.length > 0 ? { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad) } : { name: 'AES-GCM', iv: buf(nonce) };
  return {
    async encrypt(key, nonce, aad, plaintext) {
      const k = await subtle.importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
      return new Uint8Array(await subtle.encrypt(params(nonce, aad), k, buf(plaintext)));
    },
    async decrypt(key, nonce, aad, ciphertext) {
      const k = await subtle.importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
      return new Uint8Array(await subtle.decrypt(params(nonce, aad), k, buf(ciphertext)));
    },
  };
}

const nobleHashOf = (hash: SuiteParams['hash']) => (hash === 'sha512' ? sha512 : sha256);

function makeHash(subtle: SubtleCrypto | undefined, hash: SuiteParams['hash']): Hash {
  if (subtle === undefined) {
    const h = nobleHashOf(hash);
    return {
      digest: async (data) => h(data),
      mac: async (key, data) => hmac(h, key, data),
      verifyMac: async (key, mac, data) => constantTimeEqual(hmac(h, key, data), mac),
    };
  }
  const name = hash === 'sha512' ? 'SHA-512' : 'SHA-256';
  const macKey = (key: Uint8Array) =>
    subtle.importKey('raw', buf(key), { name: 'HMAC', hash: name }, false, ['sign', 'verify']);
  return {
    digest: async (data) => new Uint8Array(await subtle.digest(name, buf(data))),
    mac: async (key, data) => new Uint8Array(await subtle.sign('HMAC', await macKey(key), buf(data))),
    verifyMac: async (key, mac, data) => subtle.verify('HMAC', await macKey(key), buf(mac), buf(data)),
  };
}

/** The MLS KDF (HKDF over the suite's hash) on @noble/hashes. */
export function nobleKdfFor(hash: SuiteParams['hash']): Kdf {
  const h = nobleHashOf(hash);
  return {
    extract: async (salt, ikm) => extract(h, ikm, salt),
    expand: async (prk, info, len) => expand(h, prk, info, len),
    size: hash === 'sha512' ? 64 : 32,
  };
}


export const nobleEd25519: Signature = {
  sign: async (signKey, message) => ed25519.sign(message, signKey),
  verify: async (publicKey, message, signature) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  async keygen() {
    const { secretKey, publicKey } = ed25519.keygen();
    return { signKey: secretKey, publicKey };
  },
};

// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410).
const ED25519_PKCS8_PREFIX = hex('302e020100300506032b657004220420');

function subtleEd25519(subtle: SubtleCrypto): Signature {
  const publicKeys = new BoundedCache<string, CryptoKey>(256);
  const keyId = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return {
    async sign(signKey, message) {
      if (signKey.length !== 32) throw new TypeError('Ed25519 signKey must be a 32-byte seed');
      const pkcs8 = new Uint8Array(48);
      pkcs8.set(ED25519_PKCS8_PREFIX);
      pkcs8.set(signKey, 16);
      const key = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
      pkcs8.fill(0);
      return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, buf(message)));
    },
    async verify(publicKey, message, signature) {
      try {
        if (publicKey.length !== 32 || signature.length !== 64) return false;
        const id = keyId(publicKey);
        let key = publicKeys.get(id);
        if (key === undefined) {
          // Small-order keys refused as @noble refuses them (ed25519-key-check.ts); only accepted keys are cached.
          if (!isAcceptedEd25519Key(publicKey)) return false;
          key = await subtle.importKey('raw', buf(publicKey), { name: 'Ed25519' }, false, ['verify']);
          publicKeys.set(id, key);
        }
        return await subtle.verify({ name: 'Ed25519' }, key, buf(signature), buf(message));
      } catch {
        return false;
      }
    },
    // Seeds stay 32 raw bytes so keys are portable between providers and test vectors.
    keygen: nobleEd25519.keygen,
  };
}

export const nobleX25519Kem = (): KemInterface =>
  new DhkemX25519({
    randomSecretKey: () => x25519.utils.randomSecretKey(),
    publicKey: (sk) => x25519.getPublicKey(sk),
    sharedSecret: (sk, pk) => x25519.getSharedSecret(sk, pk),
  });

export const webRng: Rng = {
  randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
};

/** A ts-mls CryptoProvider for browsers (and any runtime with WebCrypto). */
export function webCryptoProvider(options: WebCryptoProviderOptions = {}): CryptoProvider {
  let features: Promise<WebCryptoFeatures> | undefined;
  return {
    async getCiphersuiteImpl(cs: Ciphersuite): Promise<CiphersuiteImpl> {
      const p = suiteParams(cs);
      features ??= detectWebCryptoFeatures().then((f) => ({ ...f, ...options.features }));
      const f = await features;
      const subtle = f.subtle ? globalThis.crypto.subtle : undefined;
      const kem =
        p.kem === 'x-wing' ? await xWingKem() : subtle !== undefined && f.x25519 ? new DhkemX25519HkdfSha256() : nobleX25519Kem();
      return {
        name: cs.name,
        hash: makeHash(subtle, p.hash),
        kdf: nobleKdfFor(p.hash),
        signature: subtle !== undefined && f.ed25519 ? subtleEd25519(subtle) : nobleEd25519,
        hpke:
          subtle !== undefined
            ? makeHpke(kem, subtleAead(subtle), p)
            : makeHpke(kem, nobleAead, p, { kdf: new NobleHkdf(p.hash), aead: new NobleAesGcm(p.aeadKeyLength) }),
        rng: webRng,
      };
    },
  };
}
