// SHA-256, SHA-512 and HMAC-SHA-256 on node:crypto (OpenSSL) for hash-functions.ts: crypto.hash
// is one call with no Hash object (≈ 2 µs for a 65-byte message, where @noble/hashes spends
// several µs of JavaScript per 64-byte block). Each result is copied into a Uint8Array of its
// own: a Buffer may be a view of a shared pool, and callers keep, slice and compare the bytes.
import { createHmac, hash } from 'node:crypto';
import { useHashFunctions, type HashFunctions } from '../hash-functions.ts';

const own = (b: Buffer): Uint8Array => new Uint8Array(b);

export const nodeHashFunctions: HashFunctions = {
  sha256: (data) => own(hash('sha256', data, 'buffer')),
  sha512: (data) => own(hash('sha512', data, 'buffer')),
  hmacSha256: (key, data) => own(createHmac('sha256', key).update(data).digest()),
};

/** Makes sha256Digest, sha512Digest and hmacSha256 (the key directory's hashing) use node:crypto. */
export function useNodeHashes(): void {
  useHashFunctions(nodeHashFunctions);
}
