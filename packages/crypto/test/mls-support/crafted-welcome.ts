// A Welcome built by hand around a ratchet tree of the test's choosing: encrypted to the
// victim's key package and signed by a real device whose key the directory vouches for, so
// ts-mls accepts everything up to validating the tree. Any user can send a device such a
// Welcome: they claim its key package like anyone starting a conversation.
import { encodeMlsMessage, type LeafNode, type RatchetTree } from 'ts-mls';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { extractWelcomeSecret, signGroupInfo } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { ratchetTreeEncoder } from 'ts-mls/ratchetTree.js';
import { encryptGroupInfo, encryptGroupSecrets } from 'ts-mls/welcome.js';
import { fromBase64Url } from '@candor/protocol';
import { decodeKeyPackage, type StoredKeyPackage } from '../../src/mls/key-package.ts';
import type { MlsSuite } from '../../src/mls/mls-types.ts';
import type { TestDevice } from './devices.ts';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** `tree(signerLeaf, victimLeaf)` gives the tree; the signer must sit at leaf 0. */
export async function craftedWelcome(
  suite: MlsSuite,
  signer: TestDevice,
  victim: StoredKeyPackage,
  tree: (signerLeaf: LeafNode, victimLeaf: LeafNode) => RatchetTree,
  /** The GroupContext's group id and tree hash; random ones by default. */
  context: { groupId?: Uint8Array; treeHash?: Uint8Array } = {},
): Promise<Uint8Array> {
  const signerKp = decodeKeyPackage(fromBase64Url((await signer.keyPackage()).publicPackage)!);
  const victimKp = decodeKeyPackage(fromBase64Url(victim.publicPackage)!);
  const groupInfo = await signGroupInfo(
    {
      groupContext: { version: 'mls10', cipherSuite: suite.name, groupId: context.groupId ?? random(16), epoch: 1n, treeHash: context.treeHash ?? random(32), confirmedTranscriptHash: random(32), extensions: [] },
      extensions: [{ extensionType: 'ratchet_tree', extensionData: encode(ratchetTreeEncoder)(tree(signerKp.leafNode, victimKp.leafNode)) }],
      confirmationTag: random(32),
      signer: 0,
    },
    signer.keys.secretKey,
    suite.signature,
  );
  const joinerSecret = random(suite.kdf.size);
  const welcomeSecret = await extractWelcomeSecret(joinerSecret, new Uint8Array(suite.kdf.size), suite.kdf);
  const encryptedGroupInfo = await encryptGroupInfo(groupInfo, welcomeSecret, suite);
  const sealed = await encryptGroupSecrets(
    await suite.hpke.importPublicKey(victimKp.initKey),
    encryptedGroupInfo,
    { joinerSecret, pathSecret: undefined, psks: [] },
    suite.hpke,
  );
  return encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_welcome',
    welcome: {
      cipherSuite: suite.name,
      secrets: [{ newMember: await makeKeyPackageRef(victimKp, suite.hash), encryptedGroupSecrets: { kemOutput: sealed.enc, ciphertext: sealed.ct } }],
      encryptedGroupInfo,
    },
  });
}

/** Signer at leaf 0, victim at leaf 1, and between them a parent node listing `unmergedLeaf`. */
export function treeWithUnmergedLeaf(unmergedLeaf: number) {
  return (signerLeaf: LeafNode, victimLeaf: LeafNode): RatchetTree => [
    { nodeType: 'leaf', leaf: signerLeaf },
    { nodeType: 'parent', parent: { hpkePublicKey: random(32), parentHash: new Uint8Array(), unmergedLeaves: [unmergedLeaf] } },
    { nodeType: 'leaf', leaf: victimLeaf },
  ];
}
