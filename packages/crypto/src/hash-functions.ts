// The process's SHA-256, SHA-512 and HMAC-SHA-256 for code that hashes many small messages in a
// row — the key directory's proofs: Merkle and prefix-tree paths, commitments, VRF challenges
// (issue 18, "Lookup verification in the client ≤ 5 ms"). Portable by default (@noble/hashes);
// a Node process installs node:crypto's once, through @candor/crypto/node's useNodeHashes() —
// which nodeCryptoProvider() calls, as it installs the Ed25519 check (ed25519-verifier.ts).
// The bytes are the same either way; only the time differs. This file imports nothing from
// Node: browser bundles keep @noble/hashes.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

export interface HashFunctions {
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

export const nobleHashFunctions: HashFunctions = {
  sha256: (data) => sha256(data),
  sha512: (data) => sha512(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
};

let current: HashFunctions = nobleHashFunctions;

/** Chooses the implementation the functions below use (null: the portable one). */
export function useHashFunctions(functions: HashFunctions | null): void {
  current = functions ?? nobleHashFunctions;
}

/** The implementation in use (for a measurement or a test to say which one ran). */
export function hashFunctionsInUse(): HashFunctions {
  return current;
}

/** SHA-256 of `data` (a fresh Uint8Array of 32 bytes). */
export function sha256Digest(data: Uint8Array): Uint8Array {
  return current.sha256(data);
}

/** SHA-512 of `data` (a fresh Uint8Array of 64 bytes). */
export function sha512Digest(data: Uint8Array): Uint8Array {
  return current.sha512(data);
}

/** HMAC-SHA-256 of `data` under `key` (a fresh Uint8Array of 32 bytes). */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return current.hmacSha256(key, data);
}
