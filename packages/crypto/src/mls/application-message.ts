// Encrypting an application message to the group's current epoch.
import { createApplicationMessage, encodeMlsMessage } from 'ts-mls';
import type { GroupState, MlsSuite } from './mls-types.ts';

export async function encryptApplication(
  suite: MlsSuite,
  state: GroupState,
  plaintext: Uint8Array,
): Promise<{ state: GroupState; message: Uint8Array }> {
  const r = await createApplicationMessage(state, plaintext, suite);
  return {
    state: r.newState,
    message: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }),
  };
}
