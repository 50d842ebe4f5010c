// A new group with this device as its only member, using one of its key packages.
import { createGroup } from 'ts-mls';
import { openStoredKeyPackage, type StoredKeyPackage } from './key-package.ts';
import type { GroupState, MlsConfig, MlsSuite } from './mls-types.ts';

export async function startGroup(suite: MlsSuite, config: MlsConfig, groupId: Uint8Array, kp: StoredKeyPackage): Promise<GroupState> {
  const { publicPackage, privatePackage } = openStoredKeyPackage(kp);
  return createGroup(groupId, publicPackage, privatePackage, [], suite, config);
}
