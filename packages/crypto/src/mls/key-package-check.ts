// The delivery service's check of an uploaded KeyPackage: exactly one encoded KeyPackage, in
// our cipher suite, made and signed by the uploading device, naming that device. Clients check
// again, against the key directory, before they add anyone; this keeps garbage out of the
// server's store and out of other devices' commits (one bad key package fails the whole commit
// that adds it).
import { verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { CandorError } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import type { SuiteName } from '../ciphersuite.ts';
import { decodeDeviceCredential } from '../device-credential.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';
import { decodeExactly } from './ts-mls-guards.ts';

export interface KeyPackageOwner {
  userId: string;
  deviceId: string;
  /** The device's Ed25519 key, as registered. */
  publicKey: Uint8Array;
}

/**
 * Resolves to the package's suite if `bytes` is a key package of `owner`'s in one of the suites
 * `suite` allows; otherwise throws CandorError('invalid_key_package').
 */
export async function checkKeyPackage(choice: SuiteChoice, bytes: Uint8Array, owner: KeyPackageOwner): Promise<SuiteName> {
  const bad = (why: string) => new CandorError('invalid_key_package', `key package rejected: ${why}`);
  const kp = decodeExactly(bytes, 'mls_key_package', 'invalid_key_package').keyPackage;
  let suite;
  try {
    suite = pickSuite(choice, kp.cipherSuite, 'invalid_key_package');
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (!bytesEqual(kp.leafNode.signaturePublicKey, owner.publicKey)) throw bad('not signed by this device key');
  const who = decodeDeviceCredential(kp.leafNode.credential);
  if (!who || who.userId !== owner.userId || who.deviceId !== owner.deviceId) throw bad('credential names another device');
  // RFC 9420 §10.1; ts-mls refuses such a package when it is added, failing the adder's commit.
  if (bytesEqual(kp.initKey, kp.leafNode.hpkePublicKey)) throw bad('init key and encryption key are the same');
  if (!(await verifies(() => verifyLeafNodeSignatureKeyPackage(kp.leafNode, suite.signature)))) throw bad('leaf node signature does not verify');
  if (!(await verifies(() => verifyKeyPackage(kp, suite.signature)))) throw bad('signature does not verify');
  return suite.name as SuiteName;
}

/** A malformed signature or key is a failed verification, not an error of the server. */
async function verifies(verify: () => Promise<boolean>): Promise<boolean> {
  try {
    return await verify();
  } catch {
    return false;
  }
}
