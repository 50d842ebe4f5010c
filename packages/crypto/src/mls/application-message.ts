// Encrypting an application message to the group's current epoch.
import { createApplicationMessage, encodeMlsMessage } from 'ts-mls';
import type { GroupState } from './mls-types.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

export async function encryptApplication(
  choice: SuiteChoice,
  state: GroupState,
  plaintext: Uint8Array,
): Promise<{ state: GroupState; message: Uint8Array }> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message');
  const r = await createApplicationMessage(state, plaintext, suite);
  return {
    state: r.newState,
    message: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }),
  };
}
