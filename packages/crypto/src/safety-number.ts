// Safety numbers in the style of Signal's NumericFingerprint (v1): each party's 30 digits
// come from 5200 iterations of SHA-512 over its identifier and keys; the two halves are
// sorted so both parties display the same 60 digits.
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { assertBytes } from './bytes.ts';

export interface SafetyParty {
  userId: string;
  /** The party's device public keys; order does not matter. */
  keys: Uint8Array[];
}

const ITERATIONS = 5200;
const VERSION = new Uint8Array([0, 0]);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

function keyMaterial(keys: Uint8Array[]): Uint8Array {
  if (keys.length === 0) throw new TypeError('safetyNumber: a party needs at least one key');
  const parts: Uint8Array[] = [];
  for (const k of [...keys].sort(compareBytes)) {
    assertBytes(k, 'key');
    parts.push(new Uint8Array([k.length >> 8, k.length & 0xff]), k);
  }
  return concatBytes(...parts);
}

function digits(chunk: Uint8Array): string {
  let n = 0;
  for (const b of chunk) n = n * 256 + b; // 5 bytes < 2^53: exact
  return String(n % 100000).padStart(5, '0');
}

function partyDigits(p: SafetyParty): string {
  if (typeof p.userId !== 'string' || p.userId.length === 0) throw new TypeError('safetyNumber: userId required');
  const keys = keyMaterial(p.keys);
  let hash = concatBytes(VERSION, keys, utf8ToBytes(p.userId));
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(concatBytes(hash, keys));
  let out = '';
  for (let i = 0; i < 30; i += 5) out += digits(hash.subarray(i, i + 5));
  return out;
}

/** 60 digits in 12 space-separated groups of 5; the same for safetyNumber(a, b) and (b, a). */
export function safetyNumber(a: SafetyParty, b: SafetyParty): string {
  const [first, second] = [partyDigits(a), partyDigits(b)].sort();
  return `${first}${second}`.match(/\d{5}/g)!.join(' ');
}
