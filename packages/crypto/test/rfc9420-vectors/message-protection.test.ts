import type { CiphersuiteImpl, GroupContext, PrivateMessage, PublicMessage, RatchetTree } from 'ts-mls';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { defaultCapabilities } from 'ts-mls/defaultCapabilities.js';
import { createContentCommitSignature } from 'ts-mls/framedContent.js';
import { defaultKeyRetentionConfig } from 'ts-mls/keyRetentionConfig.js';
import { decodeMlsMessage } from 'ts-mls/message.js';
import { protect, protectApplicationData, protectProposal, unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { protectProposalPublic, protectPublicMessage, unprotectPublicMessage } from 'ts-mls/messageProtectionPublic.js';
import { defaultPaddingConfig } from 'ts-mls/paddingConfig.js';
import { decodeProposal, encodeProposal } from 'ts-mls/proposal.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { describe, expect, it } from 'vitest';
import { CIPHERSUITE } from '../../src/index.ts';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface MessageProtectionCase {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  tree_hash: string;
  confirmed_transcript_hash: string;
  signature_priv: string;
  signature_pub: string;
  encryption_secret: string;
  sender_data_secret: string;
  membership_key: string;
  proposal: string;
  proposal_priv: string;
  proposal_pub: string;
  commit: string;
  commit_priv: string;
  commit_pub: string;
  application: string;
  application_priv: string;
}

const cases = loadVectors<MessageProtectionCase>('message-protection.json');
const SENDER = 1;
const NONE = new Uint8Array(0);

// Sender-data validation needs a non-blank leaf at the sender's index; its keys are unused
// because the vector's signature key is passed explicitly.
const treeWithSender: RatchetTree = [
  undefined,
  undefined,
  {
    nodeType: 'leaf',
    leaf: {
      leafNodeSource: 'commit',
      hpkePublicKey: NONE,
      signaturePublicKey: NONE,
      capabilities: defaultCapabilities(),
      parentHash: NONE,
      extensions: [],
      signature: NONE,
      credential: { credentialType: 'basic', identity: NONE },
    },
  },
];

async function check(cs: CiphersuiteImpl, v: MessageProtectionCase): Promise<void> {
  const gc: GroupContext = {
    version: 'mls10',
    cipherSuite: CIPHERSUITE,
    groupId: unhex(v.group_id),
    epoch: BigInt(v.epoch),
    treeHash: unhex(v.tree_hash),
    confirmedTranscriptHash: unhex(v.confirmed_transcript_hash),
    extensions: [],
  };
  const sigPriv = unhex(v.signature_priv);
  const sigPub = unhex(v.signature_pub);
  const membershipKey = unhex(v.membership_key);
  const senderDataSecret = unhex(v.sender_data_secret);
  const freshTree = () => createSecretTree(2, unhex(v.encryption_secret), cs.kdf);
  const proposal = decodeProposal(unhex(v.proposal), 0)?.[0];
  const commit = decodeCommit(unhex(v.commit), 0)?.[0];
  if (proposal === undefined || commit === undefined) throw new Error('could not decode proposal/commit');

  const openPublic = async (m: PublicMessage) => (await unprotectPublicMessage(membershipKey, gc, [], m, cs, sigPub)).content;
  const openPrivate = async (m: PrivateMessage) =>
    (await unprotectPrivateMessage(senderDataSecret, m, await freshTree(), treeWithSender, gc, defaultKeyRetentionConfig, cs, sigPub))
      .content.content;
  const wire = (h: string) => decodeMlsMessage(unhex(h), 0)?.[0];
  const asPublic = (h: string) => {
    const m = wire(h);
    if (m?.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
    return m.publicMessage;
  };
  const asPrivate = (h: string) => {
    const m = wire(h);
    if (m?.wireformat !== 'mls_private_message') throw new Error('not a PrivateMessage');
    return m.privateMessage;
  };
  const proposalOf = (c: { contentType: string }) => {
    if (c.contentType !== 'proposal' || !('proposal' in c)) throw new Error('expected a proposal');
    return hex(encodeProposal(c.proposal as typeof proposal));
  };
  const commitOf = (c: { contentType: string }) => {
    if (c.contentType !== 'commit' || !('commit' in c)) throw new Error('expected a commit');
    return hex(encodeCommit(c.commit as typeof commit));
  };
  const applicationOf = (c: { contentType: string }) => {
    if (c.contentType !== 'application' || !('applicationData' in c)) throw new Error('expected application data');
    return hex(c.applicationData as Uint8Array);
  };

  // The vector's own messages.
  expect(proposalOf(await openPublic(asPublic(v.proposal_pub))), 'proposal_pub').toBe(v.proposal);
  expect(commitOf(await openPublic(asPublic(v.commit_pub))), 'commit_pub').toBe(v.commit);
  expect(proposalOf(await openPrivate(asPrivate(v.proposal_priv))), 'proposal_priv').toBe(v.proposal);
  expect(commitOf(await openPrivate(asPrivate(v.commit_priv))), 'commit_priv').toBe(v.commit);
  expect(applicationOf(await openPrivate(asPrivate(v.application_priv))), 'application_priv').toBe(v.application);

  // Our protection of the same content, opened again.
  const pubProposal = await protectProposalPublic(sigPriv, membershipKey, gc, NONE, proposal, SENDER, cs);
  expect(proposalOf(await openPublic(pubProposal.publicMessage)), 'protect proposal (public)').toBe(v.proposal);

  const confirmationTag = cs.rng.randomBytes(32);
  for (const wireformat of ['mls_public_message', 'mls_private_message'] as const) {
    const sender = { senderType: 'member' as const, leafIndex: SENDER };
    const { framedContent, signature } = await createContentCommitSignature(gc, wireformat, commit, sender, NONE, sigPriv, cs.signature);
    const auth = { contentType: 'commit' as const, signature, confirmationTag };
    if (wireformat === 'mls_public_message') {
      const m = await protectPublicMessage(membershipKey, gc, { wireformat, content: framedContent, auth }, cs);
      expect(commitOf(await openPublic(m)), 'protect commit (public)').toBe(v.commit);
    } else {
      const m = await protect(senderDataSecret, NONE, gc, await freshTree(), { ...framedContent, auth }, SENDER, defaultPaddingConfig, cs);
      expect(commitOf(await openPrivate(m.privateMessage)), 'protect commit (private)').toBe(v.commit);
    }
  }
  const privProposal = await protectProposal(sigPriv, senderDataSecret, proposal, NONE, gc, await freshTree(), SENDER, defaultPaddingConfig, cs);
  expect(proposalOf(await openPrivate(privProposal.privateMessage)), 'protect proposal (private)').toBe(v.proposal);
  const app = await protectApplicationData(sigPriv, senderDataSecret, unhex(v.application), NONE, gc, await freshTree(), SENDER, defaultPaddingConfig, cs);
  expect(applicationOf(await openPrivate(app.privateMessage)), 'protect application').toBe(v.application);
}

describe.each(PROVIDERS)('RFC 9420 message-protection vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: a flipped ciphertext byte in application_priv fails', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, application_priv: flipHexByte(valid.application_priv, -1) })).rejects.toThrow();
  });
  it('negative control: a flipped membership_key byte fails the public messages', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, membership_key: flipHexByte(valid.membership_key, 0) })).rejects.toThrow();
  });
});
