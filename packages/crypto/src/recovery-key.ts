// The person's recovery key (docs/protocol.md §4.2): an Ed25519 key derived from a secret they
// write down. The secret is 18 random bytes and a 2-byte check (SHA-256 of them), written as 32
// Crockford base32 letters in eight groups of four — no I, L, O or U; reading them back accepts
// lower case and mistakes those letters for 1 and 0, and the check catches a mistyped group
// before any key is derived. The key is HKDF-SHA256 (RFC 5869) of the secret, salted with the
// purpose and bound to the user id, so one secret gives unrelated keys to different accounts.
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CandorError, utf8 } from '@candor/protocol';
import { constantTimeEqual } from './bytes.ts';
import type { DeviceKeyPair } from './device-key.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SECRET_BYTES = 18;
const CHECK_BYTES = 2;
const LETTERS = ((SECRET_BYTES + CHECK_BYTES) * 8) / 5;

function check(secret: Uint8Array): Uint8Array {
  return sha256(secret).subarray(0, CHECK_BYTES);
}

function encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function decode(text: string): Uint8Array | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) return null;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  return Uint8Array.from(out);
}

/** A fresh secret as the person writes it down: `XXXX-XXXX-…`, eight groups of four. */
export function newRecoverySecret(): string {
  const secret = randomBytes(SECRET_BYTES);
  const letters = encode(Uint8Array.from([...secret, ...check(secret)]));
  return letters.match(/.{4}/g)!.join('-');
}

/** The secret's bytes, from what the person typed; `bad_request` saying what is wrong otherwise. */
export function parseRecoverySecret(text: unknown): Uint8Array {
  if (typeof text !== 'string' || text.length > 128) throw new CandorError('bad_request', 'recovery secret: expected eight groups of four letters and digits');
  const letters = text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  const bytes = letters.length === LETTERS ? decode(letters) : null;
  if (!bytes) throw new CandorError('bad_request', `recovery secret: expected ${LETTERS} letters and digits (eight groups of four), got ${letters.length}`);
  const secret = bytes.subarray(0, SECRET_BYTES);
  if (!constantTimeEqual(bytes.subarray(SECRET_BYTES), check(secret))) {
    throw new CandorError('bad_request', 'recovery secret: a letter is wrong (its check does not match); compare it with what you wrote down');
  }
  return Uint8Array.from(secret);
}

/** The recovery signing key of `userId` for this secret. */
export function recoveryKeyPair(secret: Uint8Array, userId: string): DeviceKeyPair {
  if (!(secret instanceof Uint8Array) || secret.length !== SECRET_BYTES) throw new TypeError(`recovery secret must be ${SECRET_BYTES} bytes`);
  const secretKey = hkdf(sha256, secret, utf8('candor/recovery/v1'), utf8(`signing\n${userId}`), 32);
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}
