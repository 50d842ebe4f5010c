// A new group with this device as its only member, using one of its key packages.
import { createGroup } from 'ts-mls';
import { openStoredKeyPackage, type StoredKeyPackage } from './key-package.ts';
import { externalSendersExtension, type ServerSender } from './external-sender.ts';
import type { GroupState, MlsConfig } from './mls-types.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

/** `serverSender`: the server as the group's external sender (docs/protocol.md §5.7), when it offers one. */
/** The group is in the suite of `kp` (which `choice` must include). */
export async function startGroup(choice: SuiteChoice, config: MlsConfig, groupId: Uint8Array, kp: StoredKeyPackage, serverSender?: ServerSender): Promise<GroupState> {
  const { publicPackage, privatePackage } = openStoredKeyPackage(kp);
  const suite = pickSuite(choice, publicPackage.cipherSuite, 'invalid_key_package');
  return createGroup(groupId, publicPackage, privatePackage, serverSender ? [externalSendersExtension(serverSender)] : [], suite, config);
}
