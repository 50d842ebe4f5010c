// A device's KeyPackages: made with its device key and credential, the public half encoded
// for upload, the private half kept (base64url in JSON) by the device until a Welcome uses it.
import {
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { CandorError, fromBase64Url, toBase64Url } from '@candor/protocol';
import { encodeDeviceCredential } from '../device-credential.ts';
import type { MlsSuite } from './mls-types.ts';
import { decodeExactly } from './ts-mls-guards.ts';

export interface DeviceKeys {
  userId: string;
  deviceId: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export interface StoredKeyPackage {
  /** base64url of the KeyPackageRef, which a Welcome names its recipient by. */
  ref: string;
  /** base64url of the encoded MLSMessage (mls_key_package), as uploaded. */
  publicPackage: string;
  privatePackage: { init: string; hpke: string; signature: string };
  lastResort: boolean;
}

export function encodeKeyPackage(kp: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp });
}

/** Throws CandorError('invalid_key_package') unless `bytes` is exactly one encoded KeyPackage. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  return decodeExactly(bytes, 'mls_key_package', 'invalid_key_package').keyPackage;
}

export async function newKeyPackage(suite: MlsSuite, me: DeviceKeys, lastResort: boolean): Promise<StoredKeyPackage> {
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    encodeDeviceCredential(me.userId, me.deviceId),
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: me.secretKey, publicKey: me.publicKey },
    suite,
  );
  return {
    ref: toBase64Url(await makeKeyPackageRef(publicPackage, suite.hash)),
    publicPackage: toBase64Url(encodeKeyPackage(publicPackage)),
    privatePackage: {
      init: toBase64Url(privatePackage.initPrivateKey),
      hpke: toBase64Url(privatePackage.hpkePrivateKey),
      signature: toBase64Url(privatePackage.signaturePrivateKey),
    },
    lastResort,
  };
}

/** Both halves of a stored key package, as ts-mls takes them. */
export function openStoredKeyPackage(s: StoredKeyPackage): { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage } {
  const bytes = (field: string, v: string): Uint8Array => {
    const b = fromBase64Url(v);
    if (!b) throw new CandorError('internal', `stored key package ${s.ref}: ${field} is not base64url`);
    return b;
  };
  return {
    publicPackage: decodeKeyPackage(bytes('publicPackage', s.publicPackage)),
    privatePackage: {
      initPrivateKey: bytes('init', s.privatePackage.init),
      hpkePrivateKey: bytes('hpke', s.privatePackage.hpke),
      signaturePrivateKey: bytes('signature', s.privatePackage.signature),
    },
  };
}
