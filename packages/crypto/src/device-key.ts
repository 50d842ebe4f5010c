// Device signing keys (Ed25519), also the MLS credential key of the device.
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertBytes, isBytes } from './bytes.ts';
import { ed25519VerifyInUse } from './ed25519-verifier.ts';

export interface DeviceKeyPair {
  publicKey: Uint8Array;
  /** 32-byte Ed25519 seed; the same format ts-mls uses as `signKey`. */
  secretKey: Uint8Array;
}

export function generateDeviceKey(): DeviceKeyPair {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

/** The key pair of a 32-byte Ed25519 seed (a key derived, not generated). */
export function keyPairFromSeed(seed: Uint8Array): DeviceKeyPair {
  assertBytes(seed, 'seed', 32);
  return { secretKey: seed, publicKey: ed25519.getPublicKey(seed) };
}

export function signDetached(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', 32);
  assertBytes(message, 'message');
  return ed25519.sign(message, secretKey);
}

/**
 * RFC 8032 (non-ZIP-215) verification; false on any malformed input, never throws. By the
 * implementation chosen in ed25519-verifier.ts (node:crypto once a Node process installed it).
 */
export function verifyDetached(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!isBytes(publicKey) || !isBytes(message) || !isBytes(signature)) return false;
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    return ed25519VerifyInUse()(publicKey, message, signature);
  } catch {
    return false;
  }
}
