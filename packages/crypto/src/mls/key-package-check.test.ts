// The delivery service's key-package check: a device's own key package passes; anything else
// is refused with invalid_key_package, for the reason given.
import { describe, expect, it } from 'vitest';
import { signKeyPackage } from 'ts-mls/keyPackage.js';
import { fromBase64Url } from '@candor/protocol';
import { generateDeviceKey } from '../device-key.ts';
import { checkKeyPackage } from './key-package-check.ts';
import { decodeKeyPackage, encodeKeyPackage } from './key-package.ts';
import type { KeyPackage } from './mls-types.ts';
import { testWorld } from '../../test/mls-support/devices.ts';

async function setup() {
  const w = await testWorld();
  const alice = w.device('alice');
  const bytes = fromBase64Url((await alice.keyPackage()).publicPackage)!;
  const owner = { userId: 'alice', deviceId: alice.keys.deviceId, publicKey: alice.keys.publicKey };
  /** The key package changed by `edit`, signed again with alice's key (so only the edit is wrong). */
  const resigned = async (edit: (kp: KeyPackage) => KeyPackage) =>
    encodeKeyPackage(await signKeyPackage(edit(decodeKeyPackage(bytes)), alice.keys.secretKey, w.suite.signature));
  return { w, alice, bytes, owner, resigned };
}

const refused = (why: string) => expect.objectContaining({ code: 'invalid_key_package', message: expect.stringContaining(why) });

describe('checkKeyPackage', () => {
  it("accepts the device's own key package, also when signed again unchanged (control for the edits below)", async () => {
    const { w, bytes, owner, resigned } = await setup();
    await expect(checkKeyPackage(w.suite, bytes, owner)).resolves.toBe(w.suite.name);
    await expect(checkKeyPackage(w.suite, await resigned((kp) => kp), owner)).resolves.toBe(w.suite.name);
  });

  it('refuses what is not exactly one key package', async () => {
    const { w, bytes, owner } = await setup();
    await expect(checkKeyPackage(w.suite, new Uint8Array([0, 1, 0, 5, 1, 2, 3]), owner)).rejects.toEqual(refused('does not decode'));
    await expect(checkKeyPackage(w.suite, bytes.subarray(0, 100), owner)).rejects.toEqual(refused('does not decode'));
    await expect(checkKeyPackage(w.suite, new Uint8Array([...bytes, 0]), owner)).rejects.toEqual(refused('1 bytes follow'));
    await expect(checkKeyPackage(w.suite, new Uint8Array(5000), owner)).rejects.toEqual(refused('at most 4096 bytes'));
  });

  it("refuses another device's key package", async () => {
    const { w, bytes, owner } = await setup();
    await expect(checkKeyPackage(w.suite, bytes, { ...owner, publicKey: generateDeviceKey().publicKey })).rejects.toEqual(refused('not signed by this device key'));
    await expect(checkKeyPackage(w.suite, bytes, { ...owner, deviceId: 'device-other' })).rejects.toEqual(refused('credential names another device'));
    await expect(checkKeyPackage(w.suite, bytes, { ...owner, userId: 'mallory' })).rejects.toEqual(refused('credential names another device'));
  });

  it('refuses a bad signature, a bad leaf-node signature, a reused key and another cipher suite', async () => {
    const { w, bytes, owner, resigned } = await setup();
    const flipped = new Uint8Array(bytes);
    flipped[flipped.length - 1]! ^= 1; // the last byte is the key package signature's
    await expect(checkKeyPackage(w.suite, flipped, owner)).rejects.toEqual(refused('signature does not verify'));
    const leafSig = await resigned((kp) => {
      const signature = new Uint8Array(kp.leafNode.signature);
      signature[0]! ^= 1;
      return { ...kp, leafNode: { ...kp.leafNode, signature } };
    });
    await expect(checkKeyPackage(w.suite, leafSig, owner)).rejects.toEqual(refused('leaf node signature does not verify'));
    const sameKey = await resigned((kp) => ({ ...kp, initKey: kp.leafNode.hpkePublicKey }));
    await expect(checkKeyPackage(w.suite, sameKey, owner)).rejects.toEqual(refused('init key and encryption key are the same'));
    const otherSuite = await resigned((kp) => ({ ...kp, cipherSuite: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256' }));
    await expect(checkKeyPackage(w.suite, otherSuite, owner)).rejects.toEqual(refused('cipher suite must be'));
  });
});
