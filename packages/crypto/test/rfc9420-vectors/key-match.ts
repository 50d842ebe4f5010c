// Proves a private key matches a public key by using them, through the suite under test.
import type { CiphersuiteImpl } from 'ts-mls';

const PROBE = new TextEncoder().encode('candor key-match probe');

export async function hpkeKeysMatch(cs: CiphersuiteImpl, publicKey: Uint8Array, privateKey: Uint8Array): Promise<boolean> {
  try {
    const { ct, enc } = await cs.hpke.seal(await cs.hpke.importPublicKey(publicKey), PROBE, PROBE);
    const pt = await cs.hpke.open(await cs.hpke.importPrivateKey(privateKey), enc, ct, PROBE);
    return pt.length === PROBE.length && pt.every((b, i) => b === PROBE[i]);
  } catch {
    return false;
  }
}

export async function signatureKeysMatch(cs: CiphersuiteImpl, publicKey: Uint8Array, privateKey: Uint8Array): Promise<boolean> {
  return cs.signature.verify(publicKey, PROBE, await cs.signature.sign(privateKey, PROBE));
}
