import { describe, expect, it } from 'vitest';
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  AttachmentDecryptor,
  AttachmentEncryptor,
  AttachmentError,
  chunkNonce,
  decryptAttachmentBytes,
  encryptAttachmentBytes,
  encryptedSize,
  newAttachmentKey,
} from './index.ts';

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

describe('attachments in chunks (docs/protocol.md §2)', () => {
  it('round-trips empty, one byte, exactly a chunk, a chunk and a byte, several chunks', async () => {
    for (const n of [0, 1, 16, 17, 32, 33, 100]) {
      const bytes = random(n);
      const { blob, secrets } = await encryptAttachmentBytes(bytes, 16);
      expect(blob.length).toBe(encryptedSize(n, 16));
      expect(secrets.size).toBe(n);
      expect(secrets.sha256).toEqual(sha256(bytes));
      expect(await decryptAttachmentBytes(blob, secrets)).toEqual(bytes);
    }
  });

  it('is AES-256-GCM with nonce 0^8 ‖ index (big-endian) and a last-chunk byte as additional data', async () => {
    const bytes = random(40);
    const { blob, secrets } = await encryptAttachmentBytes(bytes, 16);
    expect(chunkNonce(258)).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
    expect(gcm(secrets.key, chunkNonce(0), new Uint8Array([0])).decrypt(blob.subarray(0, 32))).toEqual(bytes.subarray(0, 16));
    expect(gcm(secrets.key, chunkNonce(1), new Uint8Array([0])).decrypt(blob.subarray(32, 64))).toEqual(bytes.subarray(16, 32));
    expect(gcm(secrets.key, chunkNonce(2), new Uint8Array([1])).decrypt(blob.subarray(64))).toEqual(bytes.subarray(32));
  });

  it('streams: any cut of the input gives the same blob length, any cut of the blob the same plaintext', async () => {
    const bytes = random(1000);
    const key = newAttachmentKey();
    const enc = new AttachmentEncryptor({ key, chunkSize: 64 });
    const pieces = [bytes.subarray(0, 3), bytes.subarray(3, 64), bytes.subarray(64, 500), bytes.subarray(500)];
    const sealed: Uint8Array[] = [];
    for await (const c of enc.encrypt(pieces)) sealed.push(c);
    expect(enc.size).toBe(1000);
    const blob = Uint8Array.from(sealed.flatMap((c) => [...c]));
    const dec = new AttachmentDecryptor({ key, chunkSize: 64, size: 1000, sha256: enc.sha256 });
    const out: number[] = [];
    for (let i = 0; i < blob.length; i += 7) for (const p of await dec.push(blob.subarray(i, i + 7))) out.push(...p);
    dec.finish();
    expect(Uint8Array.from(out)).toEqual(bytes);
  });

  it('refuses a flipped byte, a cut blob, swapped chunks, a wrong key, a wrong hash, extra bytes', async () => {
    const bytes = random(100);
    const { blob, secrets } = await encryptAttachmentBytes(bytes, 16);
    const flipped = blob.slice();
    flipped[40]! ^= 1;
    await expect(decryptAttachmentBytes(flipped, secrets)).rejects.toThrow(AttachmentError);
    // Cut at a chunk boundary: every remaining chunk opens, but the message says more is due.
    await expect(decryptAttachmentBytes(blob.subarray(0, 64), secrets)).rejects.toThrow(/ended after 64/);
    // Cut and claimed shorter: the last chunk it has was not sealed as last.
    await expect(decryptAttachmentBytes(blob.subarray(0, 64), { ...secrets, size: 32 })).rejects.toThrow(AttachmentError);
    const swapped = blob.slice();
    swapped.set(blob.subarray(32, 64), 0);
    swapped.set(blob.subarray(0, 32), 32);
    await expect(decryptAttachmentBytes(swapped, secrets)).rejects.toThrow(/chunk 0 failed/);
    await expect(decryptAttachmentBytes(blob, { ...secrets, key: newAttachmentKey() })).rejects.toThrow(AttachmentError);
    await expect(decryptAttachmentBytes(blob, { ...secrets, sha256: sha256(new Uint8Array(1)) })).rejects.toThrow(/SHA-256/);
    const longer = new Uint8Array(blob.length + 1);
    longer.set(blob);
    await expect(decryptAttachmentBytes(longer, secrets)).rejects.toThrow(/longer/);
  });

  it('uses a fresh key per file and refuses impossible chunk sizes', async () => {
    const a = await encryptAttachmentBytes(new Uint8Array(5));
    const b = await encryptAttachmentBytes(new Uint8Array(5));
    expect(a.secrets.key).not.toEqual(b.secrets.key);
    expect(() => new AttachmentEncryptor({ chunkSize: 0 })).toThrow(RangeError);
    expect(() => new AttachmentEncryptor({ chunkSize: 16 * 1024 * 1024 + 1 })).toThrow(RangeError);
  });
});
