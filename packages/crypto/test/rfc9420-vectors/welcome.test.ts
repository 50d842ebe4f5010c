import type { CiphersuiteImpl } from 'ts-mls';
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decodeMlsMessage } from 'ts-mls/message.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/bytes.ts';
import { PROVIDERS, casesBySuite, flipHexByte, loadVectors, suiteOf, unhex } from './vectors.ts';

interface WelcomeCase {
  cipher_suite: number;
  init_priv: string;
  signer_pub: string;
  key_package: string;
  welcome: string;
}

const cases = loadVectors<WelcomeCase>('welcome.json');

async function check(cs: CiphersuiteImpl, v: WelcomeCase): Promise<void> {
  const w = decodeMlsMessage(unhex(v.welcome), 0)?.[0];
  if (w?.wireformat !== 'mls_welcome') throw new Error('not an MLSMessage(Welcome)');
  const kp = decodeMlsMessage(unhex(v.key_package), 0)?.[0];
  if (kp?.wireformat !== 'mls_key_package') throw new Error('not an MLSMessage(KeyPackage)');

  const ref = await makeKeyPackageRef(kp.keyPackage, cs.hash);
  expect(w.welcome.secrets.some((s) => bytesEqual(s.newMember, ref)), 'welcome names our KeyPackageRef').toBe(true);

  const initKey = await cs.hpke.importPrivateKey(unhex(v.init_priv));
  const secrets = await decryptGroupSecrets(initKey, ref, w.welcome, cs.hpke);
  if (secrets === undefined) throw new Error('could not decrypt GroupSecrets');
  const pskSecret = new Uint8Array(cs.kdf.size);
  const gi = await decryptGroupInfo(w.welcome, secrets.joinerSecret, pskSecret, cs);
  if (gi === undefined) throw new Error('could not decrypt GroupInfo');
  expect(await verifyGroupInfoConfirmationTag(gi, secrets.joinerSecret, pskSecret, cs), 'confirmation tag').toBe(true);
  expect(await verifyGroupInfoSignature(gi, unhex(v.signer_pub), cs.signature), 'GroupInfo signature').toBe(true);
}

describe.each(PROVIDERS)('RFC 9420 welcome vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: a flipped byte in the encrypted GroupInfo fails', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, welcome: flipHexByte(valid.welcome, -1) })).rejects.toThrow();
  });
  it('negative control: the wrong signer key fails', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, signer_pub: flipHexByte(valid.signer_pub, 0) })).rejects.toThrow();
  });
});
