// For MLS tests: devices whose keys an in-memory key directory vouches for, their key
// packages (newKeyPackage), and groups made and joined through this package's own functions.
import { DirectoryAuthenticationService, clientConfigWith } from '../../src/directory-authentication.ts';
import { CLASSIC_SUITE, getSuite, type SuiteName } from '../../src/ciphersuite.ts';
import { generateDeviceKey } from '../../src/device-key.ts';
import { nodeCryptoProvider } from '../../src/node/index.ts';
import { commitChanges } from '../../src/mls/group-commit.ts';
import { startGroup } from '../../src/mls/group-create.ts';
import { decodeKeyPackage, newKeyPackage, type DeviceKeys, type StoredKeyPackage } from '../../src/mls/key-package.ts';
import type { GroupState, MlsConfig, MlsSuite } from '../../src/mls/mls-types.ts';
import { joinFromWelcome } from '../../src/mls/welcome-join.ts';
import { fromBase64Url } from '@candor/protocol';

export interface TestDevice {
  keys: DeviceKeys;
  /** A fresh one-time key package (the private half kept here, as a device keeps it). */
  keyPackage(): Promise<StoredKeyPackage>;
}

export interface TestWorld {
  suite: MlsSuite;
  /** Config whose authentication service asks `directory`. */
  config: MlsConfig;
  /** `${userId}/${deviceId}` → the device's Ed25519 key, as the key directory would prove it. */
  directory: Map<string, Uint8Array>;
  device(userId: string): TestDevice;
  /** A group whose first device added all the others by one commit, each joined from its Welcome. */
  group(devices: readonly TestDevice[]): Promise<GroupState[]>;
}

/** `suiteName`: the suite of the world's key packages and groups (suite 1 unless told). */
export async function testWorld(suiteName: SuiteName = CLASSIC_SUITE): Promise<TestWorld> {
  const suite = await getSuite(nodeCryptoProvider(), suiteName);
  const directory = new Map<string, Uint8Array>();
  const config = clientConfigWith(new DirectoryAuthenticationService(async (u, d) => directory.get(`${u}/${d}`) ?? null));
  let n = 0;
  const device = (userId: string): TestDevice => {
    const k = generateDeviceKey();
    const keys = { userId, deviceId: `device-${++n}`, ...k };
    directory.set(`${userId}/${keys.deviceId}`, k.publicKey);
    return { keys, keyPackage: () => newKeyPackage(suite, keys, false) };
  };
  const group = async (devices: readonly TestDevice[]): Promise<GroupState[]> => {
    const [first, ...others] = devices;
    if (!first) throw new Error('a group needs a device');
    const creator = await startGroup(suite, config, crypto.getRandomValues(new Uint8Array(16)), await first.keyPackage());
    if (others.length === 0) return [creator];
    const kps = await Promise.all(others.map((d) => d.keyPackage()));
    const out = await commitChanges(suite, creator, kps.map((k) => decodeKeyPackage(fromBase64Url(k.publicPackage)!)), []);
    const joined = await Promise.all(
      kps.map(async (kp) => (await joinFromWelcome(suite, config, out.welcome!, async (ref) => (ref === kp.ref ? kp : undefined))).state),
    );
    return [out.state, ...joined];
  };
  return { suite, config, directory, device, group };
}
