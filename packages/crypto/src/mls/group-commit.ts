// A commit that removes and adds members. It travels as a PrivateMessage; the Welcome for the
// added devices carries the ratchet tree (ratchet_tree extension), so joiners need nothing else.
import { createCommit, encodeMlsMessage, type KeyPackage, type Proposal } from 'ts-mls';
import type { GroupState, MlsSuite } from './mls-types.ts';

export interface CommitOutput {
  state: GroupState;
  /** The encoded MLSMessage (mls_private_message). */
  commit: Uint8Array;
  /** The encoded MLSMessage (mls_welcome), when the commit adds anyone. */
  welcome: Uint8Array | undefined;
}

export async function commitChanges(
  suite: MlsSuite,
  state: GroupState,
  add: readonly KeyPackage[],
  removeLeaves: readonly number[],
): Promise<CommitOutput> {
  const proposals: Proposal[] = [
    ...removeLeaves.map((leafIndex): Proposal => ({ proposalType: 'remove', remove: { removed: leafIndex } })),
    ...add.map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
  ];
  const r = await createCommit({ state, cipherSuite: suite }, { extraProposals: proposals, ratchetTreeExtension: true });
  return {
    state: r.newState,
    commit: encodeMlsMessage(r.commit),
    welcome: r.welcome ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) : undefined,
  };
}
