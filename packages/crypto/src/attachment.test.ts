import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decryptAttachment, encryptAttachment } from './index.ts';

describe('attachments (AES-256-GCM)', () => {
  it('round-trips and uses fresh keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const a = await encryptAttachment(bytes);
        expect(a.key).toHaveLength(32);
        expect(a.nonce).toHaveLength(12);
        expect(a.ciphertext).toHaveLength(bytes.length + 16);
        expect(a.sha256).toEqual(sha256(a.ciphertext));
        expect(await decryptAttachment(a)).toEqual(bytes);
      }),
      { numRuns: 50 },
    );
    const [x, y] = await Promise.all([encryptAttachment(new Uint8Array(8)), encryptAttachment(new Uint8Array(8))]);
    expect(x.key).not.toEqual(y.key);
  });

  it('is standard AES-256-GCM (interoperates with @noble/ciphers)', async () => {
    const bytes = new TextEncoder().encode('attachment');
    const a = await encryptAttachment(bytes);
    expect(gcm(a.key, a.nonce).decrypt(a.ciphertext)).toEqual(bytes);
  });

  it('refuses a flipped ciphertext byte, a wrong digest, key or nonce', async () => {
    const a = await encryptAttachment(new TextEncoder().encode('secret plans'));
    const flip = (b: Uint8Array, i = 0) => {
      const c = b.slice();
      c[i]! ^= 1;
      return c;
    };
    const flipped = flip(a.ciphertext, 3);
    await expect(decryptAttachment({ ...a, ciphertext: flipped })).rejects.toThrow(/digest/);
    // Even with a matching digest, the GCM tag catches the change.
    await expect(decryptAttachment({ ...a, ciphertext: flipped, sha256: sha256(flipped) })).rejects.toThrow(/authentication/);
    await expect(decryptAttachment({ ...a, sha256: flip(a.sha256) })).rejects.toThrow();
    await expect(decryptAttachment({ ...a, key: flip(a.key) })).rejects.toThrow();
    await expect(decryptAttachment({ ...a, nonce: flip(a.nonce) })).rejects.toThrow();
    await expect(decryptAttachment({ ...a, key: new Uint8Array(16) })).rejects.toThrow(TypeError);
  });
});
