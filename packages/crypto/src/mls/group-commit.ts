// A commit that removes and adds members. It travels as a PublicMessage, with the group's new
// GroupInfo (signed, with its ratchet tree and external_pub), so the delivery service can
// validate it against the group's public state (docs/protocol.md §5.1); the Welcome for the
// added devices carries the ratchet tree (ratchet_tree extension), so joiners need nothing else.
import { createCommit, encodeMlsMessage, type KeyPackage, type Proposal } from 'ts-mls';
import { groupInfoForExternalJoin } from './external-join.ts';
import { HANDSHAKE_AAD_EXTENSION } from './handshake-authentication.ts';
import type { GroupState } from './mls-types.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

export interface CommitOutput {
  state: GroupState;
  /** The encoded MLSMessage (mls_public_message). */
  commit: Uint8Array;
  /** The group's GroupInfo after the commit (encoded mls_group_info), posted with it. */
  groupInfo: Uint8Array;
  /** The encoded MLSMessage (mls_welcome), when the commit adds anyone. */
  welcome: Uint8Array | undefined;
}

/**
 * `options.authenticatedData`: the commit's MLS authenticated_data (Candor's handshake AAD,
 * docs/protocol.md §5.1). A joiner never sees the commit, so the Welcome's GroupInfo carries the
 * same bytes (extension HANDSHAKE_AAD_EXTENSION), signed by the committer with the GroupInfo.
 */
export async function commitChanges(
  choice: SuiteChoice,
  state: GroupState,
  add: readonly KeyPackage[],
  removeLeaves: readonly number[],
  options: { authenticatedData?: Uint8Array } = {},
): Promise<CommitOutput> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message');
  const proposals: Proposal[] = [
    ...removeLeaves.map((leafIndex): Proposal => ({ proposalType: 'remove', remove: { removed: leafIndex } })),
    ...add.map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
  ];
  const aad = options.authenticatedData;
  const r = await createCommit(
    { state, cipherSuite: suite },
    {
      extraProposals: proposals,
      // ts-mls builds the Welcome's GroupInfo (and encodes the whole tree into it) even when no
      // one is added; without adds there is no Welcome, so the tree is left out of that one.
      ratchetTreeExtension: add.length > 0,
      wireAsPublicMessage: true,
      ...(aad ? { authenticatedData: aad, groupInfoExtensions: [{ extensionType: HANDSHAKE_AAD_EXTENSION, extensionData: aad }] } : {}),
    },
  );
  return {
    state: r.newState,
    commit: encodeMlsMessage(r.commit),
    groupInfo: await groupInfoForExternalJoin(suite, r.newState),
    welcome: r.welcome ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) : undefined,
  };
}
