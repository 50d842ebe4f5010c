// Shared plumbing for the RFC 9420 interop vectors (mlswg/mls-implementations format).
// Test-only: reads files with node:fs. Vectors live in vectors/mls at the repository root.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { it } from 'vitest';
import type { AuthenticationService, CiphersuiteImpl, CryptoProvider } from 'ts-mls';
import { clientConfigWith, getSuite, webCryptoProvider } from '../../src/index.ts';
import { nodeCryptoProvider } from '../../src/node/index.ts';

/** <repo root>/vectors/mls, from this file's location (packages/crypto/src/rfc9420-vectors/). */
export const VECTORS_DIR = fileURLToPath(new URL('../../../../vectors/mls/', import.meta.url));

export function loadVectors<T>(file: string): T[] {
  return JSON.parse(readFileSync(VECTORS_DIR + file, 'utf8')) as T[];
}

export const OUR_SUITE_ID = 1;

/** Every provider we ship; each vector set runs through all of them. */
export const PROVIDERS: readonly (readonly [string, CryptoProvider])[] = [
  ['webcrypto', webCryptoProvider()],
  ['webcrypto+noble', webCryptoProvider({ features: { subtle: false, ed25519: false, x25519: false } })],
  ['node', nodeCryptoProvider()],
];

export const suiteOf = (p: CryptoProvider): Promise<CiphersuiteImpl> => getSuite(p);

export const hex = bytesToHex;
export const unhex = (s: string): Uint8Array => hexToBytes(s);

/** `s` (hex) with the byte at `index` (negative counts from the end) XORed with 0x01. */
export function flipHexByte(s: string, index: number): string {
  const b = hexToBytes(s);
  const i = index < 0 ? b.length + index : index;
  if (i < 0 || i >= b.length) throw new RangeError(`flipHexByte: index ${index} outside ${b.length} bytes`);
  b[i]! ^= 0x01;
  return bytesToHex(b);
}

/**
 * Interop vectors carry arbitrary basic credentials that no directory knows, so they are
 * checked with an explicit accept-all service — here only, never in product code.
 */
const acceptVectorCredentials: AuthenticationService = {
  validateCredential: async () => true,
};
export const vectorClientConfig = clientConfigWith(acceptVectorCredentials);

/**
 * One test per case: suite-1 cases run, others are registered with it.skip so the runner
 * reports exactly how many were skipped. Returns the suite-1 cases (for negative controls).
 */
export function casesBySuite<T extends { cipher_suite: number }>(
  cases: T[],
  run: (c: T, index: number) => Promise<void>,
  timeout?: number,
): T[] {
  cases.forEach((c, i) => {
    const name = `case ${i} (suite ${c.cipher_suite})`;
    if (c.cipher_suite === OUR_SUITE_ID) it(name, () => run(c, i), timeout);
    else it.skip(`${name}: not Candor's suite`, () => {});
  });
  const ours = cases.filter((c) => c.cipher_suite === OUR_SUITE_ID);
  if (ours.length === 0) throw new Error('no suite-1 cases in this vector file');
  return ours;
}
