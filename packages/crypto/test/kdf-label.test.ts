// ts-mls's ExpandWithLabel (RFC 9420 §8), patched in patches/ts-mls+1.6.4.patch to write the
// KDFLabel into one buffer and encode each label once (docs/upstream-ts-mls.md §7), hands the KDF
// exactly the bytes the published TLS encoders make — around every variable-length boundary of
// the label and the context (1-, 2- and 4-byte lengths) and for lengths beyond 16 bits — and the
// same label asked twice gives the same bytes (the cached label is not changed by a caller).
import type { Kdf } from 'ts-mls';
import { uint16Encoder } from 'ts-mls/codec/number.js';
import { composeBufferEncoders, encode } from 'ts-mls/codec/tlsEncoder.js';
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { describe, expect, it } from 'vitest';

/** A Kdf whose expand returns the info it was given. */
const infoOf: Kdf = {
  size: 64,
  extract: async () => new Uint8Array(64),
  expand: async (_prk, info) => info,
};

const published = (length: number, label: string, context: Uint8Array): Uint8Array =>
  encode(composeBufferEncoders([uint16Encoder, varLenDataEncoder, varLenDataEncoder]))([length, new TextEncoder().encode(`MLS 1.0 ${label}`), context]);

const filled = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('ts-mls ExpandWithLabel (patched KDFLabel encoding)', () => {
  it('gives the KDF the published encoding of KDFLabel', async () => {
    let cases = 0;
    for (const labelLength of [0, 1, 55, 56, 57, 200, 16375, 16376])
      for (const contextLength of [0, 1, 63, 64, 65, 16383, 16384, 70_000])
        for (const length of [0, 12, 32, 64, 0xffff, 0x10007]) {
          const label = 'l'.repeat(labelLength);
          const context = filled(contextLength, labelLength + length);
          const ours = await expandWithLabel(new Uint8Array(64), label, context, length, infoOf);
          // (compared as Buffers: element-wise toEqual over 70 KB arrays takes seconds)
          expect(Buffer.from(ours).equals(published(length, label, context)), `${labelLength}/${contextLength}/${length}`).toBe(true);
          cases++;
        }
    expect(cases).toBe(8 * 8 * 6);
  });

  it('deriveSecret and deriveTreeSecret too, and a label asked again gives the same bytes', async () => {
    const secret = new Uint8Array(64);
    const first = await deriveSecret(secret, 'path', infoOf);
    expect(first).toEqual(published(64, 'path', new Uint8Array(0)));
    first.fill(0xee);
    expect(await deriveSecret(secret, 'path', infoOf)).toEqual(published(64, 'path', new Uint8Array(0)));
    expect(await deriveTreeSecret(secret, 'nonce', 7, 12, infoOf)).toEqual(published(12, 'nonce', Uint8Array.of(0, 0, 0, 7)));
  });
});
