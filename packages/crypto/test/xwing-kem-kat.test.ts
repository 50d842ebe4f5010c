// The X-Wing KEM our providers run for the post-quantum MLS suite, against the draft's published
// known-answer tests (test/vectors/xwing-kem.json; source in test/vectors/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PQ_SUITE, getSuite, webCryptoProvider } from '../src/index.ts';
import { nodeCryptoProvider } from '../src/node/index.ts';
import { nodeSha3, nodeX25519Primitives } from '../src/node/node-fast-parts.ts';
import { xWingKem, type XWingParts } from '../src/xwing-kem.ts';

interface Vector {
  seed: string;
  sk: string;
  pk: string;
  eseed: string;
  ct: string;
  ss: string;
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/xwing-kem.json', import.meta.url), 'utf8')) as Vector[];
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

interface DerandKem {
  generateKeyPairDerand(sk: Uint8Array): Promise<CryptoKeyPair>;
}

describe('X-Wing KEM known-answer tests (draft-connolly-cfrg-xwing-kem, Appendix C)', () => {
  it('has the published vectors', () => {
    expect(vectors).toHaveLength(3);
  });

  // The library's own X25519 and SHA-3, node:crypto's for each (as the Node provider runs them), and both.
  const variants: [string, () => XWingParts][] = [
    ['library', () => ({})],
    ['node:crypto X25519', () => ({ x25519: nodeX25519Primitives() })],
    ['node:crypto SHA-3', () => ({ sha3: nodeSha3 })],
    ['node:crypto X25519 and SHA-3', () => ({ x25519: nodeX25519Primitives(), sha3: nodeSha3 })],
  ];
  for (const [i, v, name, parts] of vectors.flatMap((v, i) => variants.map(([name, parts]) => [i, v, name, parts] as const))) {
    it(`vector ${i + 1} (${name}): key generation, encapsulation and decapsulation give the published values`, async () => {
      const kem = await xWingKem(parts());
      expect(v.sk).toBe(v.seed);
      const pair = await (kem as unknown as DerandKem).generateKeyPairDerand(hex(v.seed));
      expect(toHex(await kem.serializePublicKey(pair.publicKey))).toBe(v.pk);
      expect(toHex(await kem.serializePrivateKey(pair.privateKey))).toBe(v.sk);

      const recipientPublicKey = await kem.deserializePublicKey(hex(v.pk));
      const { enc, sharedSecret } = await kem.encap({ recipientPublicKey, ekm: hex(v.eseed) });
      expect(toHex(enc)).toBe(v.ct);
      expect(toHex(sharedSecret)).toBe(v.ss);

      const recipientKey = await kem.deserializePrivateKey(hex(v.sk));
      expect(toHex(await kem.decap({ recipientKey, enc: hex(v.ct) }))).toBe(v.ss);

      // A changed ciphertext does not decapsulate to the same secret (ML-KEM's implicit rejection).
      const bad = hex(v.ct);
      bad[17]! ^= 1;
      expect(toHex(await kem.decap({ recipientKey, enc: bad }))).not.toBe(v.ss);
    });
  }

  it('rejects keys and ciphertexts of the wrong size', async () => {
    const kem = await xWingKem();
    await expect(kem.deserializePublicKey(hex(vectors[0]!.pk).subarray(0, 1184))).rejects.toThrow();
    const recipientKey = await kem.deserializePrivateKey(hex(vectors[0]!.sk));
    await expect(kem.decap({ recipientKey, enc: hex(vectors[0]!.ct).subarray(0, 1088) })).rejects.toThrow();
  });

  for (const [name, provider] of [
    ['node', nodeCryptoProvider()],
    ['webCrypto', webCryptoProvider()],
    ['webCrypto (noble fallbacks)', webCryptoProvider({ features: { subtle: false, ed25519: false, x25519: false } })],
  ] as const) {
    it(`${name}: the post-quantum suite's HPKE uses this KEM (a vector's key opens what the suite seals to it)`, async () => {
      const suite = await getSuite(provider, PQ_SUITE);
      const v = vectors[1]!;
      const sealed = await suite.hpke.seal(await suite.hpke.importPublicKey(hex(v.pk)), new TextEncoder().encode('hi'), new Uint8Array([1]), undefined);
      expect(sealed.enc).toHaveLength(1120);
      const opened = await suite.hpke.open(await suite.hpke.importPrivateKey(hex(v.sk)), sealed.enc, sealed.ct, new Uint8Array([1]), undefined);
      expect(new TextDecoder().decode(opened)).toBe('hi');
      // The same ciphertext under another vector's key does not open.
      await expect(
        suite.hpke.open(await suite.hpke.importPrivateKey(hex(vectors[0]!.sk)), sealed.enc, sealed.ct, new Uint8Array([1]), undefined),
      ).rejects.toThrow();
    });
  }
});
