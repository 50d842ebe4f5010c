import type { CiphersuiteImpl } from 'ts-mls';
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface CryptoBasics {
  cipher_suite: number;
  ref_hash: { label: string; value: string; out: string };
  expand_with_label: { secret: string; label: string; context: string; length: number; out: string };
  derive_secret: { secret: string; label: string; out: string };
  derive_tree_secret: { secret: string; label: string; generation: number; length: number; out: string };
  sign_with_label: { priv: string; pub: string; content: string; label: string; signature: string };
  encrypt_with_label: {
    priv: string;
    pub: string;
    label: string;
    context: string;
    plaintext: string;
    kem_output: string;
    ciphertext: string;
  };
}

const cases = loadVectors<CryptoBasics>('crypto-basics.json');

async function check(cs: CiphersuiteImpl, v: CryptoBasics): Promise<void> {
  const r = v.ref_hash;
  expect(hex(await refhash(r.label, unhex(r.value), cs.hash)), 'RefHash').toBe(r.out);

  const e = v.expand_with_label;
  expect(hex(await expandWithLabel(unhex(e.secret), e.label, unhex(e.context), e.length, cs.kdf)), 'ExpandWithLabel').toBe(e.out);

  const d = v.derive_secret;
  expect(hex(await deriveSecret(unhex(d.secret), d.label, cs.kdf)), 'DeriveSecret').toBe(d.out);

  const t = v.derive_tree_secret;
  expect(hex(await deriveTreeSecret(unhex(t.secret), t.label, t.generation, t.length, cs.kdf)), 'DeriveTreeSecret').toBe(t.out);

  const s = v.sign_with_label;
  expect(await verifyWithLabel(unhex(s.pub), s.label, unhex(s.content), unhex(s.signature), cs.signature), 'VerifyWithLabel').toBe(true);
  const ours = await signWithLabel(unhex(s.priv), s.label, unhex(s.content), cs.signature);
  // Ed25519 is deterministic: our signature must equal the vector's byte for byte.
  expect(hex(ours), 'SignWithLabel').toBe(s.signature);

  const h = v.encrypt_with_label;
  const priv = await cs.hpke.importPrivateKey(unhex(h.priv));
  const pub = await cs.hpke.importPublicKey(unhex(h.pub));
  const opened = await decryptWithLabel(priv, h.label, unhex(h.context), unhex(h.kem_output), unhex(h.ciphertext), cs.hpke);
  expect(hex(opened), 'DecryptWithLabel').toBe(h.plaintext);
  const sealed = await encryptWithLabel(pub, h.label, unhex(h.context), unhex(h.plaintext), cs.hpke);
  const reopened = await decryptWithLabel(priv, h.label, unhex(h.context), sealed.enc, sealed.ct, cs.hpke);
  expect(hex(reopened), 'EncryptWithLabel round trip').toBe(h.plaintext);
}

describe.each(PROVIDERS)('RFC 9420 crypto-basics vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  const valid = ours[0]!;
  it('negative control: a flipped signature byte fails', async () => {
    const bad = { ...valid, sign_with_label: { ...valid.sign_with_label, signature: flipHexByte(valid.sign_with_label.signature, 5) } };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
  it('negative control: a flipped HPKE ciphertext byte fails', async () => {
    const e = valid.encrypt_with_label;
    const bad = { ...valid, encrypt_with_label: { ...e, ciphertext: flipHexByte(e.ciphertext, -1) } };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
  it('negative control: a flipped KDF input byte fails', async () => {
    const d = valid.derive_secret;
    const bad = { ...valid, derive_secret: { ...d, secret: flipHexByte(d.secret, 0) } };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
});
