// Attachment encryption: each attachment gets a fresh AES-256-GCM key and nonce; the
// ciphertext goes to blob storage and {key, nonce, sha256} travel inside the MLS message.
// sha256 is over the ciphertext (as in Signal's attachment digest), so a downloaded blob is
// checked against the message before any decryption, and blobs can be addressed by it.
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { assertBytes, constantTimeEqual, toBufferSource as buf } from './bytes.ts';

export interface EncryptedAttachment {
  ciphertext: Uint8Array;
  /** 32-byte AES-256-GCM key. */
  key: Uint8Array;
  /** 12-byte GCM nonce. */
  nonce: Uint8Array;
  /** SHA-256 of `ciphertext`. */
  sha256: Uint8Array;
}

/** Largest attachment we encrypt in one piece (WebCrypto has no streaming AES-GCM). */
export const MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;
const TAG_BYTES = 16;

const subtle = (): SubtleCrypto | undefined => globalThis.crypto?.subtle;

async function digest(data: Uint8Array): Promise<Uint8Array> {
  const s = subtle();
  return s ? new Uint8Array(await s.digest('SHA-256', buf(data))) : nobleSha256(data);
}

export async function encryptAttachment(bytes: Uint8Array): Promise<EncryptedAttachment> {
  assertBytes(bytes, 'attachment');
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new RangeError(`attachment exceeds ${MAX_ATTACHMENT_BYTES} bytes`);
  const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const s = subtle();
  let ciphertext: Uint8Array;
  if (s) {
    const k = await s.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    ciphertext = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv: nonce }, k, buf(bytes)));
  } else {
    ciphertext = gcm(key, nonce).encrypt(bytes);
  }
  return { ciphertext, key, nonce, sha256: await digest(ciphertext) };
}

/**
 * The plaintext, after checking the ciphertext's SHA-256 and the GCM tag. Throws on any
 * mismatch; never returns unauthenticated bytes.
 */
export async function decryptAttachment(a: EncryptedAttachment): Promise<Uint8Array> {
  assertBytes(a.ciphertext, 'ciphertext');
  assertBytes(a.key, 'key', 32);
  assertBytes(a.nonce, 'nonce', 12);
  assertBytes(a.sha256, 'sha256', 32);
  if (a.ciphertext.length < TAG_BYTES || a.ciphertext.length > MAX_ATTACHMENT_BYTES + TAG_BYTES) {
    throw new RangeError('attachment ciphertext has an impossible length');
  }
  if (!constantTimeEqual(await digest(a.ciphertext), a.sha256)) throw new Error('attachment digest mismatch');
  const s = subtle();
  try {
    if (s) {
      const k = await s.importKey('raw', buf(a.key), 'AES-GCM', false, ['decrypt']);
      return new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv: buf(a.nonce) }, k, buf(a.ciphertext)));
    }
    return gcm(a.key, a.nonce).decrypt(a.ciphertext);
  } catch (e) {
    throw new Error('attachment failed authentication', { cause: e });
  }
}
