// The server as an MLS external sender (RFC 9420 §12.1.8, docs/protocol.md §5.7). A group's
// context carries one `external_senders` extension naming the server's sender key; the server
// may then propose removing a leaf (a deprovisioned person's), and the next member online
// commits the proposal by reference.
//
// The sender's credential is a basic credential whose identity is the canonical JSON
// {"candor":"server","sig":<base64url>}: `sig` is the server's access-log key's Ed25519
// signature over externalSenderStatement(publicKey). A member's authentication service accepts
// it only if that signature verifies with the access-log key the member pinned (so the operator
// cannot slip in a sender key of its own choosing without the pinned key), and never as a device.
import { encodeExternalSender, decodeExternalSender, encodeMlsMessage, proposeExternal, type Credential, type Extension, type GroupInfo, type Proposal, type PublicMessage } from 'ts-mls';
import { makeProposalRef } from 'ts-mls/authenticatedContent.js';
import { CandorError, fromBase64Url, toBase64Url } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import { verifyDetached } from '../device-key.ts';
import type { AuthenticationService, MlsSuite } from './mls-types.ts';
import { decodeExactly } from './ts-mls-guards.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

const LABEL = 'candor/mls-external-sender/v1';

/** The bytes the access-log key signs to vouch for the server's MLS external-sender key. */
export function externalSenderStatement(publicKey: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`${LABEL}\n${toBase64Url(publicKey)}\n`);
}

export interface ServerSender {
  /** The sender's Ed25519 public key. */
  publicKey: Uint8Array;
  /** The access-log key's signature over externalSenderStatement(publicKey). */
  endorsement: Uint8Array;
}

function identityOf(endorsement: Uint8Array): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ candor: 'server', sig: toBase64Url(endorsement) }));
}

export function serverSenderCredential(endorsement: Uint8Array): Credential {
  return { credentialType: 'basic', identity: identityOf(endorsement) };
}

/** The endorsement a server-sender credential carries, or null for anything else (a device's credential included). */
export function decodeServerSenderCredential(c: Credential): Uint8Array | null {
  try {
    if (c.credentialType !== 'basic' || !(c.identity instanceof Uint8Array) || c.identity.length > 256) return null;
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(c.identity));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { candor, sig } = parsed as Record<string, unknown>;
    if (candor !== 'server' || typeof sig !== 'string') return null;
    const bytes = fromBase64Url(sig);
    if (!bytes || bytes.length !== 64 || !bytesEqual(identityOf(bytes), c.identity)) return null;
    return bytes;
  } catch {
    return null;
  }
}

/** The group-context extension naming the server as the group's (only) external sender. */
export function externalSendersExtension(sender: ServerSender): Extension {
  return { extensionType: 'external_senders', extensionData: encodeExternalSender({ signaturePublicKey: sender.publicKey, credential: serverSenderCredential(sender.endorsement) }) };
}

/** The server sender a group's context names (its first `external_senders` extension), or null. */
export function serverSenderOf(extensions: readonly Extension[]): ServerSender | null {
  const ext = extensions.find((e) => e.extensionType === 'external_senders');
  if (!ext) return null;
  const decoded = decodeExternalSender(ext.extensionData, 0);
  if (!decoded || decoded[1] !== ext.extensionData.length) return null;
  const endorsement = decodeServerSenderCredential(decoded[0].credential);
  return endorsement ? { publicKey: decoded[0].signaturePublicKey, endorsement } : null;
}

/** Whether `sender` is vouched for by the access-log key `accessLogKey` (raw Ed25519 public key). */
export function serverSenderEndorsed(sender: ServerSender, accessLogKey: Uint8Array): boolean {
  return verifyDetached(accessLogKey, externalSenderStatement(sender.publicKey), sender.endorsement);
}

/**
 * `inner` for members' devices; a server-sender credential only when its endorsement verifies
 * with the pinned access-log key and it signs with the key it endorses.
 */
export function withServerSender(inner: AuthenticationService, accessLogKey: () => Promise<Uint8Array | null>): AuthenticationService {
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      const endorsement = decodeServerSenderCredential(credential);
      if (endorsement === null) return inner.validateCredential(credential, signaturePublicKey);
      const key = await accessLogKey();
      return key !== null && serverSenderEndorsed({ publicKey: signaturePublicKey, endorsement }, key);
    },
  };
}

export interface ServerProposal {
  /** The encoded MLSMessage (mls_public_message, sender external). */
  message: Uint8Array;
  /** Its proposal reference (what a commit names it by). */
  ref: Uint8Array;
  removedLeaf: number;
}

/**
 * The server's proposal to remove `leafIndex`, at the group's current epoch. Ed25519 is
 * deterministic, so the same group state, leaf and key give the same bytes and reference: the
 * server need not remember what it proposed to recognise a commit that names it.
 */
export async function proposeServerRemoval(choice: SuiteChoice, groupInfo: GroupInfo, leafIndex: number, publicKey: Uint8Array, secretKey: Uint8Array): Promise<ServerProposal> {
  const suite = pickSuite(choice, groupInfo.groupContext.cipherSuite, 'invalid_mls_message');
  const proposal: Proposal = { proposalType: 'remove', remove: { removed: leafIndex } };
  const msg = await proposeExternal(groupInfo, proposal, publicKey, secretKey, suite);
  if (msg.wireformat !== 'mls_public_message') throw new Error('an external proposal is a PublicMessage');
  const ref = await proposalRefOf(suite, msg.publicMessage);
  return { message: encodeMlsMessage(msg), ref, removedLeaf: leafIndex };
}

export async function proposalRefOf(suite: MlsSuite, pm: PublicMessage): Promise<Uint8Array> {
  return makeProposalRef({ wireformat: 'mls_public_message', content: pm.content, auth: pm.auth } as Parameters<typeof makeProposalRef>[0], suite.hash);
}

/**
 * What a member checks of a server proposal before it processes it: a PublicMessage from the
 * group's external sender (index 0) proposing the removal of one leaf. Whether that leaf's person
 * is gone is the caller's check (the key directory). Returns the removed leaf.
 */
export function serverRemovalOf(bytes: Uint8Array): { removedLeaf: number; epoch: bigint; groupId: Uint8Array } {
  const pm = decodeExactly(bytes, 'mls_public_message').publicMessage;
  const c = pm.content;
  if (c.sender.senderType !== 'external' || c.sender.senderIndex !== 0) throw new CandorError('invalid_mls_message', 'a server proposal comes from the external sender 0');
  if (c.contentType !== 'proposal') throw new CandorError('invalid_mls_message', 'a server proposal is a proposal');
  if (c.proposal.proposalType !== 'remove') throw new CandorError('invalid_mls_message', `the server may only propose removals, not ${String(c.proposal.proposalType)}`);
  return { removedLeaf: c.proposal.remove.removed, epoch: c.epoch, groupId: c.groupId };
}
