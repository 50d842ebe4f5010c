import type { CiphersuiteImpl } from 'ts-mls';
import { computePskSecret, type PreSharedKeyID } from 'ts-mls/presharedkey.js';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface PskCase {
  cipher_suite: number;
  psks: { psk_id: string; psk: string; psk_nonce: string }[];
  psk_secret: string;
}

const cases = loadVectors<PskCase>('psk_secret.json');

async function check(cs: CiphersuiteImpl, v: PskCase): Promise<void> {
  const psks = v.psks.map((p): [PreSharedKeyID, Uint8Array] => [
    { psktype: 'external', pskId: unhex(p.psk_id), pskNonce: unhex(p.psk_nonce) },
    unhex(p.psk),
  ]);
  expect(hex(await computePskSecret(psks, cs))).toBe(v.psk_secret);
}

describe.each(PROVIDERS)('RFC 9420 psk_secret vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: a flipped PSK byte fails', async () => {
    const valid = ours.find((c) => c.psks.length > 0)!;
    const [first, ...rest] = valid.psks;
    await expect(check(await suiteOf(provider), { ...valid, psks: [{ ...first!, psk: flipHexByte(first!.psk, 0) }, ...rest] })).rejects.toThrow();
  });
});
