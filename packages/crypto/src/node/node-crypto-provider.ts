// The Node CryptoProvider: node:crypto (OpenSSL) for hashing, HMAC, AES-GCM, Ed25519 and
// X25519; HPKE framing through @hpke/core (its KDF, AEAD and X25519 in node-fast-parts.ts, for
// both suites' hashes and key lengths); X-Wing (the post-quantum suite's KEM) through
// @hpke/hybridkem-x-wing.
import {
  createHash,
  createPrivateKey,
  randomBytes,
  sign as nodeSign,
  type KeyObject,
} from 'node:crypto';
import type { Ciphersuite, CiphersuiteImpl, CryptoProvider, Signature } from 'ts-mls';
import { BoundedCache } from '../bytes.ts';
import { suiteParams, type SuiteParams } from '../ciphersuite.ts';
import { DhkemX25519 } from '../dhkem-x25519.ts';
import { makeHpke, type Aead } from '../hpke-suite.ts';
import { nobleEd25519 } from '../webcrypto-provider.ts';
import { xWingKem } from '../xwing-kem.ts';
import { useNodeHashes } from './node-hashes.ts';
import { nodeVerifyDetached, useNodeEd25519 } from './verify-detached-node.ts';
import { aesGcmOpen, aesGcmSeal, NodeAesGcm, NodeHkdf, nodeHash, nodeKdf, nodeSha3, nodeX25519Primitives } from './node-fast-parts.ts';

const der = (hex: string) => Buffer.from(hex, 'hex');
// RFC 8410 DER prefixes; the raw 32-byte key follows each.
const ED25519_PKCS8 = der('302e020100300506032b657004220420');

const privateKeyObject = (prefix: Buffer, raw: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** AES-GCM with the suite's key length (AES-128 for suite 1, AES-256 for the X-Wing suite). */
function nodeAead(keyLength: SuiteParams['aeadKeyLength']): Aead {
  const checked = (key: Uint8Array) => {
    if (key.length !== keyLength) throw new Error(`AES-GCM: key must be ${keyLength} bytes`);
    return key;
  };
  return {
    encrypt: async (key, nonce, aad, plaintext) => aesGcmSeal(checked(key), nonce, aad, plaintext),
    decrypt: async (key, nonce, aad, ciphertext) => aesGcmOpen(checked(key), nonce, aad, ciphertext),
  };
}

function nodeEd25519(): Signature {
  // Verification dominates (every received message); signing keys are few per process.
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
    // The same check as verifyDetached's Node path: small-order keys refused (ed25519-key-check.ts).
    verify: async (publicKey, message, signature) => nodeVerifyDetached(publicKey, message, signature),
    keygen: nobleEd25519.keygen,
  };
}

/**
 * A ts-mls CryptoProvider backed by node:crypto. Making one also switches this process's
 * verifyDetached to node:crypto (useNodeEd25519) and the key directory's hashing too
 * (useNodeHashes): the one place a Node client, server or bench chooses how the directory's
 * enrolment and checkpoint signatures are checked and its proofs hashed.
 */
export function nodeCryptoProvider(): CryptoProvider {
  useNodeEd25519();
  useNodeHashes();
  return {
    async getCiphersuiteImpl(cs: Ciphersuite): Promise<CiphersuiteImpl> {
      const p = suiteParams(cs);
      const kem = p.kem === 'x-wing' ? await xWingKem({ x25519: nodeX25519Primitives(), sha3: nodeSha3 }) : new DhkemX25519(nodeX25519Primitives());
      const parts = { kdf: new NodeHkdf(p.hash), aead: new NodeAesGcm(p.aeadKeyLength === 32 ? 256 : 128) };
      return {
        name: cs.name,
        hash: nodeHash(p.hash),
        kdf: nodeKdf(p.hash),
        signature: nodeEd25519(),
        hpke: makeHpke(kem, nodeAead(p.aeadKeyLength), p, parts),
        rng: { randomBytes: (n) => u8(randomBytes(n)) },
      };
    },
  };
}
