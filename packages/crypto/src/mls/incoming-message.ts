// What a member device does with a message of its group: decrypt an application message
// (PrivateMessage) and say which member sent it, or apply a commit or proposal (PublicMessage,
// docs/protocol.md §5.1). A handshake inside a PrivateMessage is refused: the server cannot
// validate it, and a member's private proposal, once stored as pending, would stop the device
// sending and break every later commit (a member could freeze the group that way).
import { emptyPskIndex, processPrivateMessage, processPublicMessage, type PrivateMessage, type PublicMessage } from 'ts-mls';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { CandorError } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import { leafAt, type Leaf } from './group-members.ts';
import { withAuthentication, withConfigOf, type AuthenticationFor } from './handshake-authentication.ts';
import type { GroupState, MlsSuite } from './mls-types.ts';
import { checkPastEpochSender, decodeExactly, isStaleHandshake } from './ts-mls-guards.ts';
import { checkExternalCommitRemoval } from './external-commit-removal.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

export type Incoming =
  | { kind: 'application'; state: GroupState; plaintext: Uint8Array; sender: Leaf }
  | { kind: 'handshake'; state: GroupState }
  /** A commit or proposal of an epoch this device has already left (a redelivery, say): `state` is unchanged. */
  | { kind: 'stale'; state: GroupState };

/**
 * `options.authenticationFor`: for a commit or proposal, the authentication service that judges
 * its credentials, chosen from the message's authenticated data (which travels in the clear);
 * without it, the state's own.
 */
export async function processIncoming(
  choice: SuiteChoice,
  state: GroupState,
  bytes: Uint8Array,
  options: { authenticationFor?: AuthenticationFor } = {},
): Promise<Incoming> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message');
  if (isPublicMessage(bytes)) return processPublic(suite, state, decodeExactly(bytes, 'mls_public_message').publicMessage, options);
  const pm = decodeExactly(bytes, 'mls_private_message').privateMessage;
  if (pm.contentType !== 'application') {
    throw new CandorError('invalid_mls_message', `a ${pm.contentType} inside a PrivateMessage: handshakes travel as PublicMessage (protocol §5.1)`);
  }
  const epoch = state.groupContext.epoch;
  if (!bytesEqual(pm.groupId, state.groupContext.groupId)) throw new CandorError('invalid_mls_message', 'the message is for another group');
  if (pm.epoch > epoch) {
    throw new CandorError('invalid_mls_message', `the message is for epoch ${pm.epoch} and this device is at epoch ${epoch}: it has missed a commit`, {
      details: { epoch: Number(pm.epoch) },
    });
  }
  if (isStaleHandshake(state, pm)) return { kind: 'stale', state };
  const sender = pm.contentType === 'application' ? await senderOf(suite, state, pm) : undefined;
  if (sender) checkPastEpochSender(state, pm, sender);
  const judged = pm.contentType !== 'application' && options.authenticationFor ? withAuthentication(state, options.authenticationFor(pm.authenticatedData)) : state;
  const r = await processPrivateMessage(judged, pm, emptyPskIndex, suite);
  if (r.kind !== 'applicationMessage') return { kind: 'handshake', state: withConfigOf(r.newState, state) };
  // The content type is authenticated (AEAD data), so ts-mls decrypts what the header said.
  if (!sender) throw new CandorError('invalid_mls_message', 'an application message whose header says otherwise');
  return { kind: 'application', state: r.newState, plaintext: r.message, sender };
}

/**
 * ts-mls checks the content signature against the sender's leaf but does not say which leaf
 * that was; it is read here from the message's sender data, with the keys of its epoch, as
 * ts-mls reads it.
 */
async function senderOf(suite: MlsSuite, state: GroupState, pm: PrivateMessage): Promise<Leaf> {
  const epochData =
    pm.epoch === state.groupContext.epoch
      ? { senderDataSecret: state.keySchedule.senderDataSecret, ratchetTree: state.ratchetTree }
      : state.historicalReceiverData.get(pm.epoch);
  if (!epochData) throw new CandorError('invalid_mls_message', `the message is for epoch ${pm.epoch}, whose keys this device no longer keeps`);
  let senderData;
  try {
    senderData = await decryptSenderData(pm, epochData.senderDataSecret, suite);
  } catch (e) {
    throw new CandorError('invalid_mls_message', 'the sender data of the message does not decrypt', { cause: e });
  }
  const sender = senderData ? leafAt(epochData.ratchetTree, senderData.leafIndex) : undefined;
  if (!sender) throw new CandorError('invalid_mls_message', 'cannot identify the sender of the message');
  return sender;
}

/** The wire format in the MLSMessage header (version mls10 = 1, wire format u16): 1 is PublicMessage. */
function isPublicMessage(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 1 && bytes[2] === 0 && bytes[3] === 1;
}

async function processPublic(
  suite: MlsSuite,
  state: GroupState,
  pm: PublicMessage,
  options: { authenticationFor?: AuthenticationFor },
): Promise<Incoming> {
  const c = pm.content;
  const epoch = state.groupContext.epoch;
  if (!bytesEqual(c.groupId, state.groupContext.groupId)) throw new CandorError('invalid_mls_message', 'the message is for another group');
  if (c.contentType === 'application') throw new CandorError('invalid_mls_message', 'an application message travels as a PrivateMessage');
  if (c.epoch > epoch) {
    throw new CandorError('invalid_mls_message', `the message is for epoch ${c.epoch} and this device is at epoch ${epoch}: it has missed a commit`, {
      details: { epoch: Number(c.epoch) },
    });
  }
  if (c.epoch < epoch) return { kind: 'stale', state };
  checkExternalCommitRemoval(state, pm);
  const judged = options.authenticationFor ? withAuthentication(state, options.authenticationFor(c.authenticatedData)) : state;
  const r = await processPublicMessage(judged, pm, emptyPskIndex, suite);
  return { kind: 'handshake', state: withConfigOf(r.newState, state) };
}
